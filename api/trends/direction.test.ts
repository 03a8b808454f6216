import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLAT_TOLERANCE_PERCENT, percentChange, summarizeTrend, trendDirection } from './direction.ts';

describe('percentChange', () => {
  it('is (last - first) / first x 100', () => {
    expect(percentChange(10000, 12500)).toBe(25);
    expect(percentChange(10000, 9000)).toBe(-10);
    expect(percentChange(10000, 10000)).toBe(0);
  });
  it('is null when the first price is 0 (no division by zero) or either price is missing', () => {
    expect(percentChange(0, 5000)).toBeNull();
    expect(percentChange(null, 5000)).toBeNull();
    expect(percentChange(5000, null)).toBeNull();
    expect(percentChange(Number.NaN, 5000)).toBeNull();
  });
});

describe('trendDirection', () => {
  it(`is flat within ${FLAT_TOLERANCE_PERCENT}% either way`, () => {
    expect(trendDirection(0)).toBe('flat');
    expect(trendDirection(0.49)).toBe('flat');
    expect(trendDirection(-0.49)).toBe('flat');
    expect(trendDirection(0.5)).toBe('increasing');
    expect(trendDirection(-0.5)).toBe('decreasing');
    expect(trendDirection(0.2, 0.1)).toBe('increasing');
  });
});

describe('summarizeTrend', () => {
  it('says flat, not increasing, for a flat series (seed bug)', () => {
    expect(summarizeTrend([10000, 12000, 10000])).toEqual({ trend: 'flat', percent_change: 0 });
  });
  it('compares the first and the last point', () => {
    expect(summarizeTrend([10000, 5000, 11000])).toEqual({ trend: 'increasing', percent_change: 10 });
    expect(summarizeTrend([10000, 20000, 9000])).toEqual({ trend: 'decreasing', percent_change: -10 });
  });
  it('treats a change under the tolerance as flat', () => {
    expect(summarizeTrend([10000, 10040])).toEqual({ trend: 'flat', percent_change: 0.4 });
  });
  it('gives nulls with fewer than 2 points', () => {
    expect(summarizeTrend([])).toEqual({ trend: null, percent_change: null });
    expect(summarizeTrend([10000])).toEqual({ trend: null, percent_change: null });
  });
  it('gives nulls when the first price is 0 or null, or the last is null', () => {
    expect(summarizeTrend([0, 10000])).toEqual({ trend: null, percent_change: null });
    expect(summarizeTrend([null, 10000])).toEqual({ trend: null, percent_change: null });
    expect(summarizeTrend([10000, null])).toEqual({ trend: null, percent_change: null });
  });
  it('agrees in sign with last - first, and is flat exactly when the change is under the tolerance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (a, b) => {
        const s = summarizeTrend([a, b]);
        expect(s.percent_change).not.toBeNull();
        const pct = s.percent_change!;
        expect(Math.sign(pct)).toBe(Math.sign(b - a));
        expect(s.trend === 'flat').toBe(Math.abs(pct) < FLAT_TOLERANCE_PERCENT);
      }),
    );
  });
});
