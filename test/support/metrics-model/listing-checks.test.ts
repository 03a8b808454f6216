import { describe, expect, it } from 'vitest';
import type { Listing } from '../../../lib/model.ts';
import { canSellTogether, checkListing, priceOf } from './listing-checks.ts';

const listing = (over: Partial<Listing> = {}): Listing => ({
  listing_id: 'l1',
  row: 'A',
  quantity: 2,
  base_price_cents: 8_000,
  all_in_price_cents: 10_000,
  splits: null,
  ...over,
});

describe('priceOf', () => {
  it('reads the all-in price by default and the base price on request', () => {
    expect(priceOf(listing())).toBe(10_000);
    expect(priceOf(listing(), 'all_in')).toBe(10_000);
    expect(priceOf(listing(), 'base')).toBe(8_000);
  });

  it('does not fall back to the other basis', () => {
    expect(priceOf(listing({ all_in_price_cents: null }))).toBeNull();
    expect(priceOf(listing({ base_price_cents: null }), 'base')).toBeNull();
  });
});

describe('checkListing', () => {
  it('accepts a priced listing with a whole quantity', () => {
    expect(checkListing(listing())).toEqual({ ok: true, priceCents: 10_000 });
    expect(checkListing(listing(), 'base')).toEqual({ ok: true, priceCents: 8_000 });
  });

  it('rejects an all-in-basis listing without an all-in price, even with a base price', () => {
    expect(checkListing(listing({ all_in_price_cents: null }))).toEqual({ ok: false, reason: 'missing_price' });
  });

  it.each([0, -500, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 12.5])(
    'rejects the price %s as non_positive_price',
    (price) => {
      expect(checkListing(listing({ all_in_price_cents: price }))).toEqual({ ok: false, reason: 'non_positive_price' });
    },
  );

  it.each([0, -1, 1.5, Number.NaN])('rejects the quantity %s', (quantity) => {
    expect(checkListing(listing({ quantity }))).toEqual({ ok: false, reason: 'bad_quantity' });
  });

  it('reports the price first when both are wrong', () => {
    expect(checkListing(listing({ quantity: 0, all_in_price_cents: null }))).toEqual({
      ok: false,
      reason: 'missing_price',
    });
  });
});

describe('canSellTogether', () => {
  it('follows the splits when the source gives them', () => {
    const fourOnly = listing({ quantity: 4, splits: [4] });
    expect(canSellTogether(fourOnly, 2)).toBe(false);
    expect(canSellTogether(fourOnly, 4)).toBe(true);

    const evens = listing({ quantity: 6, splits: [2, 4, 6] });
    expect(canSellTogether(evens, 2)).toBe(true);
    expect(canSellTogether(evens, 4)).toBe(true);
    expect(canSellTogether(evens, 3)).toBe(false);
  });

  it('falls back to the quantity when splits are null or empty', () => {
    expect(canSellTogether(listing({ quantity: 3, splits: null }), 2)).toBe(true);
    expect(canSellTogether(listing({ quantity: 3, splits: null }), 4)).toBe(false);
    expect(canSellTogether(listing({ quantity: 3, splits: [] }), 2)).toBe(true);
    expect(canSellTogether(listing({ quantity: 1, splits: null }), 2)).toBe(false);
  });

  it('never sells more seats than the listing has, whatever the splits say', () => {
    expect(canSellTogether(listing({ quantity: 3, splits: [2, 4] }), 4)).toBe(false);
  });

  it('refuses nonsense group sizes', () => {
    expect(canSellTogether(listing({ quantity: 4 }), 0)).toBe(false);
    expect(canSellTogether(listing({ quantity: 4 }), 1.5)).toBe(false);
  });
});
