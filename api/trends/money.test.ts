import { describe, expect, it } from 'vitest';
import { centsToUsd, round2 } from './money.ts';

// Exact halves only: every input below is a dyadic fraction (n / 2^k), so it is exactly what it
// reads in binary, and × 100 lands exactly on a half cent. 1.005 is not such a value: in binary it
// is 1.00499999999999989…, below the half.

describe('centsToUsd', () => {
  it('turns cents into dollars with 2 decimals', () => {
    expect(centsToUsd(9000)).toBe(90);
    expect(centsToUsd(12345)).toBe(123.45);
    expect(centsToUsd(9666.666)).toBe(96.67);
    expect(centsToUsd(0)).toBe(0);
  });
  it('rounds a fractional half cent away from zero', () => {
    expect(centsToUsd(0.5)).toBe(0.01);
    expect(centsToUsd(2.5)).toBe(0.03);
    expect(centsToUsd(1234.5)).toBe(12.35);
    expect(centsToUsd(-0.5)).toBe(-0.01);
    expect(centsToUsd(-2.5)).toBe(-0.03);
    expect(centsToUsd(-1234.5)).toBe(-12.35);
    // Just under a half goes down, on both sides.
    expect(centsToUsd(1234.4375)).toBe(12.34);
    expect(centsToUsd(-1234.4375)).toBe(-12.34);
  });
  it('keeps null, and turns what is not a finite number into null', () => {
    expect(centsToUsd(null)).toBeNull();
    expect(centsToUsd(undefined)).toBeNull();
    expect(centsToUsd(Number.NaN)).toBeNull();
    expect(centsToUsd(Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('round2', () => {
  it('rounds half away from zero', () => {
    // 0.125 = 1/8, 0.375 = 3/8, 1.125 = 9/8, 10.625 = 85/8: halves of a cent, exactly.
    expect(round2(0.125)).toBe(0.13);
    expect(round2(0.375)).toBe(0.38);
    expect(round2(1.125)).toBe(1.13);
    expect(round2(10.625)).toBe(10.63);
    expect(round2(-0.125)).toBe(-0.13);
    expect(round2(-0.375)).toBe(-0.38);
    expect(round2(-1.125)).toBe(-1.13);
    expect(round2(-10.625)).toBe(-10.63);
  });
  it('rounds other values to the nearest cent', () => {
    expect(round2(12.345678)).toBe(12.35);
    expect(round2(-12.345678)).toBe(-12.35);
    expect(round2(12.3125)).toBe(12.31); // 1231.25 cents: below the half
    expect(round2(-12.3125)).toBe(-12.31);
    expect(round2(1005)).toBe(1005);
    // 1.005 reads like a half but is just below it in binary, so it rounds down.
    expect(round2(1.005)).toBe(1);
  });
});
