import { describe, expect, it } from 'vitest';
import { pollUntil } from './abort.ts';

describe('pollUntil', () => {
  it('checks until the check holds', async () => {
    let calls = 0;
    expect(await pollUntil(async () => ++calls === 3, { waitMs: 5_000, pollMs: 1 })).toBe(true);
    expect(calls).toBe(3);
  });

  it('gives up when time runs out, having checked at least once', async () => {
    let calls = 0;
    expect(await pollUntil(async () => (calls++, false), { waitMs: 0, pollMs: 1 })).toBe(false);
    expect(calls).toBe(1);
  });

  it('gives up as soon as the signal aborts, without waiting out the time', async () => {
    const ctl = new AbortController();
    let calls = 0;
    const check = async () => {
      if (++calls === 2) ctl.abort();
      return false;
    };
    expect(await pollUntil(check, { waitMs: 60_000, pollMs: 10, signal: ctl.signal })).toBe(false);
    expect(calls).toBe(2);
  });
});
