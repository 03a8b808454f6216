import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';

describe('toCsv', () => {
  it('writes a header, CRLF rows, empty nulls and quoted specials', () => {
    expect(
      toCsv(
        ['t', 'price', 'note'],
        [
          { t: '2026-05-10T10:00:00.000Z', price: 90, note: null },
          { t: '2026-05-10T11:00:00.000Z', price: 95.5, note: 'a, "b"\nc' },
        ],
      ),
    ).toBe('t,price,note\r\n2026-05-10T10:00:00.000Z,90,\r\n2026-05-10T11:00:00.000Z,95.5,"a, ""b""\nc"\r\n');
  });
  it('writes only the header for no rows', () => {
    expect(toCsv(['a'], [])).toBe('a\r\n');
  });
});
