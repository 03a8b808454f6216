// Trend direction and percent change of a price series. Fixes from the seed's getPriceTrend: a flat
// series is 'flat' (the seed said 'increasing'), a first price of 0 gives null instead of a division
// by zero, and fewer than two points give null instead of an undefined variable.

export type TrendDirection = 'increasing' | 'decreasing' | 'flat';

/**
 * Changes smaller than this, in percent of the first price, count as flat: scrape-to-scrape noise
 * of a few cents on a $100 ticket is not a trend. Documented in the API reference.
 */
export const FLAT_TOLERANCE_PERCENT = 0.5;

/** (last − first) / first × 100, or null when either is missing or the first is not positive. */
export function percentChange(first: number | null, last: number | null): number | null {
  if (first === null || last === null || !Number.isFinite(first) || !Number.isFinite(last)) return null;
  if (first <= 0) return null;
  return ((last - first) / first) * 100;
}

export function trendDirection(change: number, tolerancePercent = FLAT_TOLERANCE_PERCENT): TrendDirection {
  if (Math.abs(change) < tolerancePercent) return 'flat';
  return change > 0 ? 'increasing' : 'decreasing';
}

export interface TrendSummary {
  trend: TrendDirection | null;
  /** Unrounded; the route rounds to 2 decimals for display. */
  percent_change: number | null;
}

/**
 * Summary of a series of window prices in time order, from its first point to its last. Both fields
 * are null (not an error) with fewer than two points, or when the first or last price is null or the
 * first is 0.
 */
export function summarizeTrend(
  prices: ReadonlyArray<number | null>,
  tolerancePercent = FLAT_TOLERANCE_PERCENT,
): TrendSummary {
  if (prices.length < 2) return { trend: null, percent_change: null };
  const change = percentChange(prices[0] ?? null, prices[prices.length - 1] ?? null);
  if (change === null) return { trend: null, percent_change: null };
  return { trend: trendDirection(change, tolerancePercent), percent_change: change };
}
