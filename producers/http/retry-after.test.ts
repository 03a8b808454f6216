import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-11-26T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 7 ', now)).toBe(7000);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 26 Nov 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 26 Nov 2025 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const v of [null, undefined, '', '-5', '1.5', 'soon', 'Thu, 99 Foo 2025']) {
      expect(parseRetryAfter(v, now)).toBeNull();
    }
  });
});
