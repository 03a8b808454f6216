// The metrics of one group of listings (a section, or a whole zone). Zones are computed from their
// listings directly, never from section results: an average of averages is not an average.
import type { Listing, PriceMetrics } from '../../../lib/model.ts';
import { canSellTogether, isValidCents } from './listing-checks.ts';
import { median, roundCents } from './median.ts';

/** A listing after the checks: `priceCents` is its basis price, or null when it was rejected. */
export interface CheckedListing {
  listing: Listing;
  priceCents: number | null;
  outlier: boolean;
}

const lower = (current: number | null, candidate: number): number =>
  current === null || candidate < current ? candidate : current;

/**
 * Rejected listings only count in `rejected_listings`. Valid ones count everywhere; flagged outliers
 * are left out of the get-in prices (lowest, lowest base, lowest for 2 and 4) when `excludeOutliers`,
 * but still count in tickets, listings, average, median and highest: they are on sale.
 */
export function priceMetrics(items: Iterable<CheckedListing>, excludeOutliers: boolean): PriceMetrics {
  const prices: number[] = [];
  let sum = 0;
  let tickets = 0;
  let outliers = 0;
  let rejected = 0;
  let highest: number | null = null;
  let lowest: number | null = null;
  let lowestBase: number | null = null;
  let lowest2: number | null = null;
  let lowest4: number | null = null;

  for (const { listing, priceCents: price, outlier } of items) {
    if (price === null) {
      rejected++;
      continue;
    }
    prices.push(price);
    sum += price;
    tickets += listing.quantity;
    if (highest === null || price > highest) highest = price;
    if (outlier) {
      outliers++;
      if (excludeOutliers) continue;
    }
    lowest = lower(lowest, price);
    if (isValidCents(listing.base_price_cents)) lowestBase = lower(lowestBase, listing.base_price_cents);
    if (canSellTogether(listing, 2)) lowest2 = lower(lowest2, 2 * price);
    if (canSellTogether(listing, 4)) lowest4 = lower(lowest4, 4 * price);
  }

  const mid = median(prices);
  return {
    lowest_price_cents: lowest,
    lowest_base_price_cents: lowestBase,
    average_price_cents: prices.length === 0 ? null : sum / prices.length,
    median_price_cents: mid === null ? null : roundCents(mid),
    highest_price_cents: highest,
    lowest_price_2_cents: lowest2,
    lowest_price_4_cents: lowest4,
    sum_price_cents: sum,
    priced_listings: prices.length,
    total_tickets: tickets,
    total_listings: prices.length,
    available: tickets > 0,
    outlier_listings: outliers,
    rejected_listings: rejected,
  };
}
