import { describe, expect, it } from 'vitest';
import type { Listing, ListingSnapshot, Zone } from '../../../lib/model.ts';
import { computeSnapshotMetrics } from './compute.ts';
import type { MetricsOptions } from './compute.ts';
import { TrailingMedians, zoneKey } from './outliers.ts';

const T = Date.UTC(2026, 2, 1, 12);
const H = 3_600_000;

const l = (id: string, quantity: number, allIn: number | null, more: Partial<Listing> = {}): Listing => ({
  listing_id: id,
  row: '',
  quantity,
  base_price_cents: null,
  all_in_price_cents: allIn,
  splits: null,
  ...more,
});

const snap = (zones: Zone[], over: Partial<ListingSnapshot> = {}): ListingSnapshot => ({
  snapshot_id: 's1',
  job_id: 'j1',
  event_id: 'ev1',
  source: 'simulated',
  source_event_id: 'p1',
  scraped_at: T,
  event_starts_at: null,
  zones,
  rejected: [],
  ...over,
});

const run = (s: ListingSnapshot, opts: Partial<MetricsOptions> = {}) =>
  computeSnapshotMetrics(s, { medians: new TrailingMedians(), ...opts });

const EMPTY = {
  lowest_price_cents: null,
  lowest_base_price_cents: null,
  average_price_cents: null,
  median_price_cents: null,
  highest_price_cents: null,
  lowest_price_2_cents: null,
  lowest_price_4_cents: null,
  sum_price_cents: 0,
  priced_listings: 0,
  total_tickets: 0,
  total_listings: 0,
  available: false,
  outlier_listings: 0,
  rejected_listings: 0,
};

describe('computeSnapshotMetrics: one section', () => {
  const zone: Zone = {
    zone_id: 'z1',
    name: 'Floor',
    sections: [
      {
        name: '101',
        listings: [
          l('a', 2, 10_000, { base_price_cents: 8_000 }),
          l('b', 4, 12_000, { base_price_cents: 9_500, splits: [4] }),
          l('c', 1, 15_000, { base_price_cents: 12_000 }),
          l('d', 3, 11_000, { splits: [1, 3] }),
        ],
      },
    ],
  };

  it('computes every price and inventory metric', () => {
    const m = run(snap([zone]));
    // Prices 10000, 11000, 12000, 15000: median (11000 + 12000) / 2, average 48000 / 4.
    // For 2: only a (no splits, q=2); b sells only 4, c has 1 seat, d sells 1 or 3.
    // For 4: only b. Lowest base: d has none, so min(8000, 9500, 12000).
    const expected = {
      lowest_price_cents: 10_000,
      lowest_base_price_cents: 8_000,
      average_price_cents: 12_000,
      median_price_cents: 11_500,
      highest_price_cents: 15_000,
      lowest_price_2_cents: 20_000,
      lowest_price_4_cents: 48_000,
      sum_price_cents: 48_000,
      priced_listings: 4,
      total_tickets: 10,
      total_listings: 4,
      available: true,
      outlier_listings: 0,
      rejected_listings: 0,
    };
    expect(m.sections).toEqual([{ zone_id: 'z1', zone: 'Floor', section: '101', ...expected }]);
    expect(m.zones).toEqual([{ zone_id: 'z1', zone: 'Floor', sections: 1, ...expected }]);
    expect(m).toMatchObject({ rejected: 0, outliers: 0, daysToEvent: null });
  });

  it('uses base prices on the base basis', () => {
    const m = run(snap([zone]), { basis: 'base' });
    // d has no base price: rejected. Prices 8000, 9500, 12000.
    expect(m.sections[0]).toMatchObject({
      lowest_price_cents: 8_000,
      lowest_base_price_cents: 8_000,
      average_price_cents: 29_500 / 3,
      median_price_cents: 9_500,
      highest_price_cents: 12_000,
      lowest_price_2_cents: 16_000,
      lowest_price_4_cents: 38_000,
      total_tickets: 7,
      total_listings: 3,
      rejected_listings: 1,
    });
  });

  it('rounds an even median half up to a whole cent', () => {
    const m = run(
      snap([{ zone_id: 'z', name: 'Z', sections: [{ name: 'S', listings: [l('a', 1, 1001), l('b', 1, 1002)] }] }]),
    );
    expect(m.sections[0]!.median_price_cents).toBe(1002);
    expect(m.sections[0]!.average_price_cents).toBe(1001.5);
  });
});

describe('computeSnapshotMetrics: rejected listings', () => {
  const zone: Zone = {
    zone_id: 'z1',
    name: 'Floor',
    sections: [
      {
        name: '101',
        listings: [
          l('ok', 2, 5_000),
          l('missing', 2, null, { base_price_cents: 100 }),
          l('zero', 2, 0),
          l('negative', 2, -700),
          l('nan', 2, Number.NaN),
          l('inf', 2, Number.POSITIVE_INFINITY),
          l('no-seats', 0, 100),
        ],
      },
    ],
  };

  it('counts them and keeps them out of every price and inventory metric', () => {
    const m = run(snap([zone]));
    expect(m.sections[0]).toMatchObject({
      lowest_price_cents: 5_000,
      lowest_base_price_cents: null,
      average_price_cents: 5_000,
      median_price_cents: 5_000,
      highest_price_cents: 5_000,
      lowest_price_2_cents: 10_000,
      sum_price_cents: 5_000,
      priced_listings: 1,
      total_tickets: 2,
      total_listings: 1,
      rejected_listings: 6,
    });
    expect(m.zones[0]!.rejected_listings).toBe(6);
    expect(m.rejected).toBe(6);
  });

  it('gives each listing its verdict', () => {
    const m = run(snap([zone]));
    expect(m.listings.map((v) => [v.listing.listing_id, v.priceCents, v.rejectedReason])).toEqual([
      ['ok', 5_000, ''],
      ['missing', null, 'missing_price'],
      ['zero', null, 'non_positive_price'],
      ['negative', null, 'non_positive_price'],
      ['nan', null, 'non_positive_price'],
      ['inf', null, 'non_positive_price'],
      ['no-seats', null, 'bad_quantity'],
    ]);
    expect(m.listings[0]).toMatchObject({ zone_id: 'z1', zone: 'Floor', section: '101', outlier: false });
  });

  it('yields a row of nulls and zeros for a section whose listings were all rejected', () => {
    const m = run(
      snap([{ zone_id: 'z', name: 'Z', sections: [{ name: 'S', listings: [l('x', 2, 0), l('y', 0, 50)] }] }]),
    );
    expect(m.sections).toEqual([{ zone_id: 'z', zone: 'Z', section: 'S', ...EMPTY, rejected_listings: 2 }]);
    expect(m.zones).toEqual([{ zone_id: 'z', zone: 'Z', sections: 1, ...EMPTY, rejected_listings: 2 }]);
  });
});

describe('computeSnapshotMetrics: empty zones and sections', () => {
  it('yields a zone row for a zone without sections', () => {
    const m = run(snap([{ zone_id: 'z', name: 'Z', sections: [] }]));
    expect(m.sections).toEqual([]);
    expect(m.zones).toEqual([{ zone_id: 'z', zone: 'Z', sections: 0, ...EMPTY }]);
  });

  it('yields a section row for a section without listings', () => {
    const m = run(snap([{ zone_id: 'z', name: 'Z', sections: [{ name: 'S', listings: [] }] }]));
    expect(m.sections).toEqual([{ zone_id: 'z', zone: 'Z', section: 'S', ...EMPTY }]);
    expect(m.zones).toEqual([{ zone_id: 'z', zone: 'Z', sections: 1, ...EMPTY }]);
  });

  it('observes no median for a zone without prices', () => {
    const medians = new TrailingMedians();
    run(snap([{ zone_id: 'z', name: 'Z', sections: [] }]), { medians });
    expect(medians.size).toBe(0);
  });
});

describe('computeSnapshotMetrics: zones', () => {
  it('computes a zone from its listings, not from its sections', () => {
    const zone: Zone = {
      zone_id: 'z1',
      name: 'Lower',
      sections: [
        { name: '101', listings: [l('a', 1, 1_000)] },
        { name: '102', listings: [l('b', 1, 2_000), l('c', 1, 3_000), l('d', 2, 4_000)] },
      ],
    };
    const m = run(snap([zone]));
    expect(m.sections.map((s) => s.average_price_cents)).toEqual([1_000, 3_000]);
    // Average of the section averages would be 2000; over the four listings it is 10000 / 4.
    expect(m.zones[0]).toEqual({
      zone_id: 'z1',
      zone: 'Lower',
      sections: 2,
      lowest_price_cents: 1_000,
      lowest_base_price_cents: null,
      average_price_cents: 2_500,
      median_price_cents: 2_500,
      highest_price_cents: 4_000,
      lowest_price_2_cents: 8_000,
      lowest_price_4_cents: null,
      sum_price_cents: 10_000,
      priced_listings: 4,
      total_tickets: 5,
      total_listings: 4,
      available: true,
      outlier_listings: 0,
      rejected_listings: 0,
    });
  });

  it('merges a zone or a section the source repeats into one row', () => {
    const m = run(
      snap([
        { zone_id: 'z1', name: 'Lower', sections: [{ name: '101', listings: [l('a', 1, 1_000)] }] },
        { zone_id: 'z1', name: 'Lower', sections: [{ name: '101', listings: [l('b', 1, 3_000)] }] },
      ]),
    );
    expect(m.zones).toHaveLength(1);
    expect(m.sections).toHaveLength(1);
    expect(m.zones[0]).toMatchObject({ sections: 1, total_listings: 2, average_price_cents: 2_000 });
  });
});

describe('computeSnapshotMetrics: outliers', () => {
  // Prices 100, 9800, 10000, 10100, 10200: median 10000, so anything under 2500 is flagged.
  const zone: Zone = {
    zone_id: 'z1',
    name: 'Floor',
    sections: [
      {
        name: '101',
        listings: [l('fat-finger', 2, 100, { base_price_cents: 80 }), l('a', 2, 9_800, { base_price_cents: 8_800 })],
      },
      { name: '102', listings: [l('b', 2, 10_000), l('c', 2, 10_100), l('d', 2, 10_200)] },
    ],
  };

  it('leaves a fat-finger out of the get-in prices but counts it everywhere else', () => {
    const m = run(snap([zone]));
    expect(m.zones[0]).toMatchObject({
      lowest_price_cents: 9_800,
      lowest_base_price_cents: 8_800,
      lowest_price_2_cents: 19_600,
      lowest_price_4_cents: null,
      average_price_cents: 40_200 / 5,
      median_price_cents: 10_000,
      highest_price_cents: 10_200,
      total_tickets: 10,
      total_listings: 5,
      outlier_listings: 1,
    });
    expect(m.sections[0]).toMatchObject({
      lowest_price_cents: 9_800,
      lowest_base_price_cents: 8_800,
      lowest_price_2_cents: 19_600,
      average_price_cents: 4_950,
      median_price_cents: 4_950,
      highest_price_cents: 9_800,
      total_tickets: 4,
      total_listings: 2,
      outlier_listings: 1,
    });
    expect(m.sections[1]!.outlier_listings).toBe(0);
    expect(m.outliers).toBe(1);
    expect(m.listings.filter((v) => v.outlier).map((v) => v.listing.listing_id)).toEqual(['fat-finger']);
  });

  it('flags but keeps it in the get-in prices when exclusion is off', () => {
    const m = run(snap([zone]), { excludeOutliers: false });
    expect(m.zones[0]).toMatchObject({
      lowest_price_cents: 100,
      lowest_base_price_cents: 80,
      lowest_price_2_cents: 200,
      outlier_listings: 1,
    });
  });

  it('honours the ratio', () => {
    // 9800 < 0.99 × 10000 as well; 10000 itself is not under it.
    const m = run(snap([zone]), { outlierRatio: 0.99 });
    expect(m.zones[0]).toMatchObject({ lowest_price_cents: 10_000, outlier_listings: 2 });
  });

  it('judges against the trailing 24-hour median of the zone, this scrape included', () => {
    const medians = new TrailingMedians();
    const normal: Zone = {
      zone_id: 'z1',
      name: 'Floor',
      sections: [{ name: '101', listings: [l('a', 2, 9_000), l('b', 2, 10_000), l('c', 2, 11_000)] }],
    };
    run(snap([normal], { scraped_at: T - 2 * H }), { medians });
    run(snap([normal], { scraped_at: T - H }), { medians });
    // The whole zone now sits at 2000-2400 (median 2200); the reference is median(10000, 10000,
    // 2200) = 10000, so all three are under 2500.
    const cheap: Zone = {
      zone_id: 'z1',
      name: 'Floor',
      sections: [{ name: '101', listings: [l('x', 2, 2_000), l('y', 2, 2_200), l('z', 2, 2_400)] }],
    };
    const m = run(snap([cheap]), { medians });
    expect(m.zones[0]).toMatchObject({
      lowest_price_cents: null,
      lowest_price_2_cents: null,
      median_price_cents: 2_200,
      outlier_listings: 3,
      total_tickets: 6,
      available: true,
    });
    // The model keys a zone's history by source and zone id.
    expect(medians.reference(zoneKey('ev1', 'simulated|z1'), T)).toBe(10_000);
    // A day later the old medians have left the window: the new level is the reference.
    const later = run(snap([cheap], { scraped_at: T + 23 * H }), { medians });
    expect(later.zones[0]).toMatchObject({ lowest_price_cents: 2_000, outlier_listings: 0 });
  });
});

describe('computeSnapshotMetrics: days to event', () => {
  const at = (startsAt: number | null) => run(snap([], { event_starts_at: startsAt })).daysToEvent;

  it('floors whole days from the scrape to the start', () => {
    expect(at(T + 3 * 24 * H)).toBe(3);
    expect(at(T + 3 * 24 * H - 1)).toBe(2);
    expect(at(T)).toBe(0);
  });

  it('is negative after the start, and null when the start is unknown', () => {
    expect(at(T - H)).toBe(-1);
    expect(at(T - 24 * H - 1)).toBe(-2);
    expect(at(null)).toBeNull();
  });
});
