// The metric rules of docs/metrics.md in plain TypeScript: an independent model that tests compare
// ClickHouse's ingest views (consumers/snapshots/views.ts) against. Production computes in SQL only.
// Which listings count, at what price, and whether they can seat a group together.
import type { Listing } from '../../../lib/model.ts';

/** Which per-ticket price the metrics use: all-in (with fees, the default) or base (before fees). */
export type PriceBasis = 'all_in' | 'base';

export type RejectReason = 'missing_price' | 'non_positive_price' | 'price_out_of_range' | 'bad_quantity';

/** $10,737,418.23 per ticket: four seats of it still fit a UInt32 of cents (docs/metrics.md). */
export const MAX_PRICE_CENTS = 1_073_741_823;

export type ListingCheck = { ok: true; priceCents: number } | { ok: false; reason: RejectReason };

/** The per-ticket price on `basis`, as the source gave it. No fallback to the other basis. */
export const priceOf = (listing: Listing, basis: PriceBasis = 'all_in'): number | null =>
  basis === 'all_in' ? listing.all_in_price_cents : listing.base_price_cents;

/**
 * A price the metrics can use: a whole, positive, finite number of cents. Anything else (0,
 * negatives, NaN, Infinity, fractions) is rejected and counted rather than averaged.
 */
export const isValidCents = (cents: number | null | undefined): cents is number =>
  typeof cents === 'number' && Number.isSafeInteger(cents) && cents > 0 && cents <= MAX_PRICE_CENTS;

/**
 * Validates one listing. The price is checked before the quantity, so a listing broken both ways
 * is counted once, as a price problem.
 */
export function checkListing(listing: Listing, basis: PriceBasis = 'all_in'): ListingCheck {
  const price = priceOf(listing, basis);
  if (price === null || price === undefined) return { ok: false, reason: 'missing_price' };
  if (!(Number.isSafeInteger(price) && price > 0)) return { ok: false, reason: 'non_positive_price' };
  if (price > MAX_PRICE_CENTS) return { ok: false, reason: 'price_out_of_range' };
  if (!Number.isSafeInteger(listing.quantity) || listing.quantity < 1) return { ok: false, reason: 'bad_quantity' };
  return { ok: true, priceCents: price };
}

/**
 * Whether `n` seats can be bought together from this one listing. The seed's check
 * (`splitOption OR quantity >= n`) was always true once quantity >= n; a seller's splits decide:
 * q=4 with m=[4] cannot sell a pair. Without splits (null or empty) any n up to the quantity goes.
 * With splits, n must also fit the quantity, so inconsistent source data cannot invent seats.
 */
export function canSellTogether(listing: Listing, n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1 || !(listing.quantity >= n)) return false;
  const splits = listing.splits;
  return splits === null || splits === undefined || splits.length === 0 || splits.includes(n);
}
