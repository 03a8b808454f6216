import { describe, expect, it } from 'vitest';
import { centsToUsd, round2 } from './money.ts';

describe('centsToUsd', () => {
  it('turns cents into dollars with 2 decimals', () => {
    expect(centsToUsd(9000)).toBe(90);
    expect(centsToUsd(12345)).toBe(123.45);
    expect(centsToUsd(9666.666)).toBe(96.67);
    expect(centsToUsd(0)).toBe(0);
  });
  it('keeps null', () => {
    expect(centsToUsd(null)).toBeNull();
    expect(centsToUsd(undefined)).toBeNull();
  });
});

describe('round2', () => {
  it('rounds half away from zero', () => {
    expect(round2(1.005 * 1000)).toBe(1005);
    expect(round2(12.345678)).toBe(12.35);
    expect(round2(-12.345678)).toBe(-12.35);
  });
});
