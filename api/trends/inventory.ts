// Inventory ratios. Fixes from the seed's getTicketCountTrend: availability is measured against the
// event's own capacity from the catalog (the seed divided by a global MAX_CAPACITY), and is null when
// that capacity is unknown.

/** tickets / capacity × 100; null when the capacity is unknown or not positive. */
export function availabilityRate(tickets: number, capacity: number | null | undefined): number | null {
  if (capacity === null || capacity === undefined || !(capacity > 0) || !Number.isFinite(tickets)) return null;
  return (tickets / capacity) * 100;
}

/**
 * Share of the zone's peak inventory that is gone: (peak − tickets) / peak × 100, where `peak` is the
 * most tickets the zone showed over the requested range. Null when the peak is 0. Listings removed by
 * their sellers also count as "gone", so this is an upper bound on sales.
 */
export function sellThrough(peak: number, tickets: number): number | null {
  if (!(peak > 0) || !Number.isFinite(tickets)) return null;
  return ((peak - tickets) / peak) * 100;
}

/** The most tickets seen in any window of the range (0 for an empty range). */
export function rangePeak(windowPeaks: ReadonlyArray<number>): number {
  let peak = 0;
  for (const p of windowPeaks) if (p > peak) peak = p;
  return peak;
}
