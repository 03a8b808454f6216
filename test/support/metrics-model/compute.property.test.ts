import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Listing, ListingSnapshot, SectionMetrics, Zone } from '../../../lib/model.ts';
import { computeSnapshotMetrics } from './compute.ts';
import { TrailingMedians } from './outliers.ts';

const T = Date.UTC(2026, 2, 1, 12);

const price = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 500_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 0, -100, Number.NaN, 12.5) },
);

const listing: fc.Arbitrary<Listing> = fc.record({
  listing_id: fc.uuid(),
  row: fc.constant(''),
  quantity: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) },
  ),
  base_price_cents: price,
  all_in_price_cents: price,
  splits: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { maxLength: 4 })),
});

const zones: fc.Arbitrary<Zone[]> = fc.uniqueArray(
  fc.record({
    zone_id: fc.string({ minLength: 1, maxLength: 4 }),
    name: fc.string({ maxLength: 4 }),
    sections: fc.uniqueArray(
      fc.record({ name: fc.string({ maxLength: 3 }), listings: fc.array(listing, { maxLength: 8 }) }),
      { maxLength: 4, selector: (s) => s.name },
    ),
  }),
  { maxLength: 4, selector: (z) => z.zone_id },
);

const snapshot = (zs: Zone[]): ListingSnapshot => ({
  snapshot_id: 's',
  job_id: 'j',
  event_id: 'ev',
  source: 'simulated',
  source_event_id: 'p',
  scraped_at: T,
  event_starts_at: null,
  zones: zs,
  rejected: [],
});

const compute = (zs: Zone[], excludeOutliers: boolean) =>
  computeSnapshotMetrics(snapshot(zs), { medians: new TrailingMedians(), excludeOutliers });

const minOf = (values: Array<number | null>): number | null =>
  values.reduce<number | null>((m, v) => (v === null ? m : m === null || v < m ? v : m), null);
const maxOf = (values: Array<number | null>): number | null =>
  values.reduce<number | null>((m, v) => (v === null ? m : m === null || v > m ? v : m), null);

/** A seeded Fisher-Yates, so the shuffle is part of the counterexample. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('computeSnapshotMetrics properties', () => {
  it('orders lowest <= median <= highest and lowest <= average <= highest (outliers kept)', () => {
    fc.assert(
      fc.property(zones, (zs) => {
        const m = compute(zs, false);
        for (const r of [...m.sections, ...m.zones]) {
          if (r.priced_listings === 0) {
            expect(r).toMatchObject({ lowest_price_cents: null, average_price_cents: null, median_price_cents: null });
            continue;
          }
          const {
            lowest_price_cents: lo,
            median_price_cents: med,
            average_price_cents: avg,
            highest_price_cents: hi,
          } = r;
          expect(lo! <= med! && med! <= hi!).toBe(true);
          expect(lo! <= avg! && avg! <= hi!).toBe(true);
          expect(Number.isInteger(med)).toBe(true);
          expect(avg).toBe(r.sum_price_cents / r.priced_listings);
        }
      }),
    );
  });

  it('keeps get-in prices within the valid range when outliers are excluded', () => {
    fc.assert(
      fc.property(zones, (zs) => {
        const kept = compute(zs, false);
        const excluded = compute(zs, true);
        excluded.zones.forEach((z, i) => {
          const all = kept.zones[i]!;
          if (z.lowest_price_cents !== null) {
            expect(z.lowest_price_cents).toBeGreaterThanOrEqual(all.lowest_price_cents!);
            expect(z.lowest_price_cents).toBeLessThanOrEqual(z.highest_price_cents!);
          }
          // Everything but the get-in prices is the same either way.
          expect({
            ...z,
            lowest_price_cents: 0,
            lowest_base_price_cents: 0,
            lowest_price_2_cents: 0,
            lowest_price_4_cents: 0,
          }).toEqual({
            ...all,
            lowest_price_cents: 0,
            lowest_base_price_cents: 0,
            lowest_price_2_cents: 0,
            lowest_price_4_cents: 0,
          });
        });
      }),
    );
  });

  it('adds sections up to their zone: counts sum, lowests are the min, highest is the max', () => {
    fc.assert(
      fc.property(zones, fc.boolean(), (zs, exclude) => {
        const m = compute(zs, exclude);
        for (const z of m.zones) {
          const ss = m.sections.filter((s) => s.zone_id === z.zone_id);
          const sum = (f: (s: SectionMetrics) => number) => ss.reduce((acc, s) => acc + f(s), 0);
          expect(z.sections).toBe(ss.length);
          expect(z.total_tickets).toBe(sum((s) => s.total_tickets));
          expect(z.total_listings).toBe(sum((s) => s.total_listings));
          expect(z.priced_listings).toBe(sum((s) => s.priced_listings));
          expect(z.sum_price_cents).toBe(sum((s) => s.sum_price_cents));
          expect(z.rejected_listings).toBe(sum((s) => s.rejected_listings));
          expect(z.outlier_listings).toBe(sum((s) => s.outlier_listings));
          expect(z.available).toBe(ss.some((s) => s.available));
          expect(z.lowest_price_cents).toBe(minOf(ss.map((s) => s.lowest_price_cents)));
          expect(z.lowest_base_price_cents).toBe(minOf(ss.map((s) => s.lowest_base_price_cents)));
          expect(z.lowest_price_2_cents).toBe(minOf(ss.map((s) => s.lowest_price_2_cents)));
          expect(z.lowest_price_4_cents).toBe(minOf(ss.map((s) => s.lowest_price_4_cents)));
          expect(z.highest_price_cents).toBe(maxOf(ss.map((s) => s.highest_price_cents)));
        }
        const listings = zs.reduce((n, z) => n + z.sections.reduce((k, s) => k + s.listings.length, 0), 0);
        expect(m.listings).toHaveLength(listings);
        expect(m.rejected + m.zones.reduce((n, z) => n + z.total_listings, 0)).toBe(listings);
      }),
    );
  });

  it('does not depend on the order of listings, sections or zones', () => {
    fc.assert(
      fc.property(zones, fc.integer(), (zs, seed) => {
        const shuffled = shuffle(zs, seed).map((z, i) => ({
          ...z,
          sections: shuffle(z.sections, seed + i).map((s, j) => ({
            ...s,
            listings: shuffle(s.listings, seed + i + j),
          })),
        }));
        const a = compute(zs, true);
        const b = compute(shuffled, true);
        const byKey = (r: { zone_id: string; section?: string }) => `${r.zone_id}\u0000${r.section ?? ''}`;
        const sorted = <R extends { zone_id: string; section?: string }>(rs: R[]) =>
          [...rs].sort((x, y) => (byKey(x) < byKey(y) ? -1 : byKey(x) > byKey(y) ? 1 : 0));
        expect(sorted(b.sections)).toEqual(sorted(a.sections));
        expect(sorted(b.zones)).toEqual(sorted(a.zones));
        expect([b.rejected, b.outliers]).toEqual([a.rejected, a.outliers]);
      }),
    );
  });
});
