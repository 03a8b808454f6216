import { describe, expect, it } from 'vitest';
import { parseInstant } from './time.ts';

describe('parseInstant', () => {
  it('reads dates and date-times, UTC when no offset is given', () => {
    expect(parseInstant('2026-05-10')).toBe(Date.UTC(2026, 4, 10));
    expect(parseInstant('2026-05-10T10:30:00Z')).toBe(Date.UTC(2026, 4, 10, 10, 30));
    expect(parseInstant('2026-05-10T10:30')).toBe(Date.UTC(2026, 4, 10, 10, 30));
    expect(parseInstant('2026-05-10T10:30:15.123456+02:00')).toBe(Date.UTC(2026, 4, 10, 8, 30, 15, 123));
    expect(parseInstant('2026-05-10T10:30:00-0130')).toBe(Date.UTC(2026, 4, 10, 12, 0));
  });
  it('rejects impossible or malformed values instead of rolling them over', () => {
    for (const bad of [
      '2026-02-30',
      '2026-13-01',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:60Z',
      '2026-1-1',
      'yesterday',
      '',
      '0070-01-01',
      '2100-01-01',
      '1969-12-31',
      "2026-01-01' OR 1=1 --",
      '2026-01-01T10:00:00+25:00',
    ])
      expect(parseInstant(bad), bad).toBeNull();
  });
  it('accepts leap days only in leap years', () => {
    expect(parseInstant('2028-02-29')).toBe(Date.UTC(2028, 1, 29));
    expect(parseInstant('2026-02-29')).toBeNull();
  });
});
