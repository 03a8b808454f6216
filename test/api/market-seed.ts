// Fixture of the market-signal API suites: two catalog events, hand-written listing_changes rows
// (the lifecycle's output) and zone_snapshots rows (asking prices, days to the event). ClickHouse's
// materialized views fill the market rollups from them, as they do when the consumer writes.
//
// mkt-a, zone Floor (day D0 = BASE, day D1 = BASE + 1 day; hours as D0+10h and so on):
//   D0 10:00  initial L1 (4 seats, $100), initial L2 (2 seats, $200)
//   D0 11:00  L1 qty_drop 4 -> 2 (2 sold at $100), L2 price_change $200 -> $180 (a cut), L3 new (3 seats, $150)
//   D0 12:00  L2 removed (2 sold at $180)
//   D0 13:00  L2 returned (cancels its removal: -2 at $180, counted at 12:00)
//   D1 10:00  L3 removed (3 sold at $150), L4 new (1 seat, $90)
//   so D0: 2 tickets sold ($200), 1 sale, inventory 6 at the start + 5 added, sell-through 2/11,
//          realized $100, a day on market of 1 hour; D1: 3 sold ($450), inventory 7 + 1, 3/8
//   asking: zone medians $120 and $140 on D0 (median of the two: $120, the lower middle), $160 on D1
// mkt-a, zone Upper: D0 11:00 L9 new (2 seats, $50)
// Days to the event (zone_snapshots): mkt-a Floor: day 31 get-in $90 and $95, day 30 $100, day 10
//   $120, day 0 $150; mkt-b Floor: day 30 $200, day 5 $300; Upper (mkt-a): day 30 $40
import type { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { BASE, DAY, HOUR } from './seed.ts';

export const D0 = BASE;
export const D1 = BASE + DAY;

type Change = [
  at: number,
  zone: string,
  listing: string,
  kind: string,
  qBefore: number,
  q: number,
  pBefore: number | null,
  p: number | null,
  sold: number,
  salePrice: number | null,
  saleAt: number,
  listedAt: number,
];

const h = (day: number, hour: number) => day + hour * HOUR;
// prettier-ignore
export const CHANGES: Change[] = [
  [h(D0, 10), 'Floor', 'L1', 'initial', 0, 4, null, 10_000, 0, null, h(D0, 10), h(D0, 10)],
  [h(D0, 10), 'Floor', 'L2', 'initial', 0, 2, null, 20_000, 0, null, h(D0, 10), h(D0, 10)],
  [h(D0, 11), 'Floor', 'L1', 'qty_drop', 4, 2, 10_000, 10_000, 2, 10_000, h(D0, 11), h(D0, 10)],
  [h(D0, 11), 'Floor', 'L2', 'price_change', 2, 2, 20_000, 18_000, 0, null, h(D0, 11), h(D0, 10)],
  [h(D0, 11), 'Floor', 'L3', 'new', 0, 3, null, 15_000, 0, null, h(D0, 11), h(D0, 11)],
  [h(D0, 11), 'Upper', 'L9', 'new', 0, 2, null, 5_000, 0, null, h(D0, 11), h(D0, 11)],
  [h(D0, 12), 'Floor', 'L2', 'removed', 2, 0, 18_000, null, 2, 18_000, h(D0, 12), h(D0, 10)],
  [h(D0, 13), 'Floor', 'L2', 'returned', 2, 2, 18_000, 18_000, -2, 18_000, h(D0, 12), h(D0, 10)],
  [h(D1, 10), 'Floor', 'L3', 'removed', 3, 0, 15_000, null, 3, 15_000, h(D1, 10), h(D0, 11)],
  [h(D1, 10), 'Floor', 'L4', 'new', 0, 1, null, 9_000, 0, null, h(D1, 10), h(D1, 10)],
];

const changeRow = ([at, zone, listing, kind, qb, q, pb, p, sold, salePrice, saleAt, listedAt]: Change, i: number) => ({
  change_id: `c${i}`,
  event_id: 'mkt-a',
  source: 'simulated',
  listing_id: listing,
  kind,
  changed_at: chDateTime(at),
  previous_at: kind === 'initial' ? null : chDateTime(at - HOUR),
  snapshot_id: `s-${at}`,
  previous_snapshot_id: kind === 'initial' ? '' : `s-${at - HOUR}`,
  zone_id: `z-${zone}`,
  zone,
  section: '101',
  row: '1',
  quantity_before: qb,
  quantity: q,
  price_before_cents: pb,
  price_cents: p,
  direction: kind === 'price_change' ? ((p ?? 0) < (pb ?? 0) ? 'down' : 'up') : '',
  tickets_sold: sold,
  sale_price_cents: salePrice,
  sale_at: chDateTime(saleAt),
  removed_at: kind === 'returned' ? chDateTime(saleAt) : null,
  listed_at: chDateTime(listedAt),
  excluded_reason: '',
  days_to_event: 30,
  kafka_partition: 0,
  kafka_offset: i,
});

/** [event, zone, at, days to the event, get-in cents, median cents, pair cents] */
// prettier-ignore
const SCRAPES: Array<[string, string, number, number, number, number, number | null]> = [
  ['mkt-a', 'Floor', h(D0, 10), 31, 9_000, 12_000, 19_000],
  ['mkt-a', 'Floor', h(D0, 11), 31, 9_500, 14_000, null],
  ['mkt-a', 'Floor', h(D1, 10), 30, 10_000, 16_000, 21_000],
  ['mkt-a', 'Floor', h(D1 + 20 * DAY, 10), 10, 12_000, 16_000, 25_000],
  ['mkt-a', 'Floor', h(D1 + 30 * DAY, 10), 0, 15_000, 18_000, 31_000],
  ['mkt-a', 'Upper', h(D1, 10), 30, 4_000, 5_000, null],
  ['mkt-b', 'Floor', h(D1, 12), 30, 20_000, 25_000, 41_000],
  ['mkt-b', 'Floor', h(D1 + 25 * DAY, 12), 5, 30_000, 35_000, 61_000],
];

export async function seedMarket(store: Store, catalog: EventCatalog): Promise<void> {
  for (const [id, name] of [
    ['mkt-a', 'Copper Foxes – Arena Tour, Boston'],
    ['mkt-b', 'Copper Foxes – Arena Tour, Denver'],
  ] as const)
    await catalog.create({
      event_id: id,
      source: 'simulated',
      source_event_id: id,
      name,
      venue: 'Arena',
      timezone: 'UTC',
      starts_at: D1 + 31 * DAY,
      capacity: 5000,
    });
  await store.insert('listing_changes', CHANGES.map(changeRow));
  await store.insert(
    'zone_snapshots',
    SCRAPES.map(([event, zone, at, days, getIn, median, pair], i) => ({
      event_id: event,
      scraped_at: chDateTime(at),
      snapshot_id: `zs-${i}`,
      job_id: 'j',
      zone_id: `z-${zone}`,
      zone,
      sections: 1,
      days_to_event: days,
      lowest_price_cents: getIn,
      lowest_base_price_cents: null,
      average_price_cents: median,
      median_price_cents: median,
      highest_price_cents: median,
      lowest_price_2_cents: pair,
      lowest_price_4_cents: null,
      sum_price_cents: median,
      priced_listings: 1,
      total_tickets: 4,
      total_listings: 1,
      available: true,
      outlier_listings: 0,
      rejected_listings: 0,
      kafka_partition: 1,
      kafka_offset: i,
    })),
  );
}
