// The API with an event on two marketplaces, against a real embedded ClickHouse: the `source`
// parameter of the trend and zone endpoints reads each source's own rows (per-source rollups) or all
// sources' (their own rollups, never a mix of the per-source series), and GET /v1/events/{id}/sources
// compares the sources now. The rows are hand-made; every expected value is worked out from them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { testConfig } from '../helpers/env.ts';
import { BASE, DAY, H0, H1, HOUR, apiConfig, iso } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

let store: Store;
let app: ReturnType<typeof createApp>;
const EVENT = 'evt-m';

interface Row {
  source: string;
  at: number;
  zone: string;
  lowest: number | null;
  lowest2?: number | null;
  sum: number;
  priced: number;
  tickets: number;
  listings: number;
  offset: number;
}

const zoneRow = (r: Row) => ({
  event_id: EVENT,
  source: r.source,
  scraped_at: chDateTime(r.at),
  snapshot_id: `snap-${r.source}-${r.at}`,
  job_id: 'job-1',
  zone_id: `${r.source}-${r.zone}`,
  zone: r.zone,
  sections: 2,
  days_to_event: 30,
  lowest_price_cents: r.lowest,
  lowest_base_price_cents: r.lowest === null ? null : r.lowest - 1000,
  average_price_cents: r.priced ? r.sum / r.priced : null,
  median_price_cents: r.lowest,
  highest_price_cents: r.lowest === null ? null : r.lowest * 2,
  lowest_price_2_cents: r.lowest2 ?? null,
  lowest_price_4_cents: null,
  sum_price_cents: r.sum,
  priced_listings: r.priced,
  total_tickets: r.tickets,
  total_listings: r.listings,
  available: r.tickets > 0,
  outlier_listings: 0,
  rejected_listings: 0,
  kafka_partition: 0,
  kafka_offset: r.offset,
});

// Vivid Seats and Gametime, one scrape each per hour, Floor only (Gametime also lists Pit at H1).
const VIVID: Row[] = [
  {
    source: 'vividseats',
    at: H0 + 60_000,
    zone: 'Floor',
    lowest: 20_000,
    sum: 60_000,
    priced: 2,
    tickets: 6,
    listings: 2,
    offset: 0,
  },
  {
    source: 'vividseats',
    at: H1 + 60_000,
    zone: 'Floor',
    lowest: 21_000,
    lowest2: 42_000,
    sum: 44_000,
    priced: 2,
    tickets: 4,
    listings: 2,
    offset: 2,
  },
];
const GAMETIME: Row[] = [
  {
    source: 'gametime',
    at: H0 + 120_000,
    zone: 'Floor',
    lowest: 19_000,
    sum: 19_000,
    priced: 1,
    tickets: 2,
    listings: 1,
    offset: 1,
  },
  {
    source: 'gametime',
    at: H1 + 120_000,
    zone: 'Floor',
    lowest: 22_000,
    sum: 66_000,
    priced: 3,
    tickets: 8,
    listings: 3,
    offset: 3,
  },
  {
    source: 'gametime',
    at: H1 + 120_000,
    zone: 'Pit',
    lowest: 50_000,
    lowest2: 100_000,
    sum: 50_000,
    priced: 1,
    tickets: 2,
    listings: 1,
    offset: 3,
  },
];
// The all-sources rows the views would write after each snapshot (here by hand: prices over every
// listing, one Floor listing of Gametime being a duplicate of Vivid Seats' at H1).
const ALL: Row[] = [
  { ...VIVID[0]!, source: 'vividseats' },
  { ...GAMETIME[0]!, lowest: 19_000, sum: 79_000, priced: 3, tickets: 8, listings: 3 },
  { ...VIVID[1]!, lowest: 19_000, sum: 63_000, priced: 3, tickets: 6, listings: 3 },
  { ...GAMETIME[1]!, lowest: 21_000, sum: 110_000, priced: 5, tickets: 10, listings: 4 },
  { ...GAMETIME[2]! },
];

beforeAll(async () => {
  store = await createStore(testConfig().clickhouse);
  await migrate(store);
  const catalog = new EventCatalog({ store });
  await catalog.create({
    event_id: EVENT,
    sources: [
      { source: 'vividseats', source_event_id: '5000001' },
      { source: 'gametime', source_event_id: 'gt-1' },
    ],
    name: 'Two sites',
    venue: 'Hall',
    timezone: 'UTC',
    starts_at: BASE + 40 * DAY,
    capacity: 100,
  });
  await store.insert('zone_snapshots', [...VIVID, ...GAMETIME].map(zoneRow));
  await store.insert(
    'zone_snapshots_all_sources',
    ALL.map((r) => ({ ...zoneRow(r), sources: ['gametime', 'vividseats'], duplicate_listings: r.at > H1 ? 1 : 0 })),
  );
  await store.insert(
    'snapshots',
    [...VIVID, ...GAMETIME].map((r) => ({
      snapshot_id: `snap-${r.source}-${r.at}`,
      event_id: EVENT,
      source: r.source,
      job_id: 'job-1',
      scraped_at: chDateTime(r.at),
      zones: 1,
      sections: 2,
      listings: r.listings,
      rejected_listings: 0,
      outlier_listings: 0,
      kafka_partition: 0,
      kafka_offset: r.offset,
    })),
  );
  app = createApp({ store, config: apiConfig(), catalog });
}, 120_000);
afterAll(() => store?.close());

async function get(path: string): Promise<{ status: number; body: Body }> {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as Body };
}
const range = `from=${iso(H0)}&to=${iso(H0 + 2 * HOUR)}`;

describe('the source parameter of the trend endpoints', () => {
  it("reads one source's own series, and all sources' rows (not the per-source rows) by default", async () => {
    const points = async (source: string) =>
      (await get(`/v1/events/${EVENT}/price-trend?zone=Floor&${range}${source ? `&source=${source}` : ''}`)).body;
    expect((await points('vividseats')).points).toEqual([
      { t: iso(H0), min_price: 200, avg_price: 300 },
      { t: iso(H1), min_price: 210, avg_price: 220 },
    ]);
    expect((await points('gametime')).points).toEqual([
      { t: iso(H0), min_price: 190, avg_price: 190 },
      { t: iso(H1), min_price: 220, avg_price: 220 },
    ]);
    const all = await points('');
    expect(all.source).toBe('all');
    // H0: all-sources rows 200.00 (600/2) and 190.00 (790/3): min 190, avg (60000 + 79000) / 5.
    expect(all.points).toEqual([
      { t: iso(H0), min_price: 190, avg_price: 278 },
      { t: iso(H1), min_price: 190, avg_price: 216.25 },
    ]);
  });

  it('gives inventory, group prices and candles per source', async () => {
    const inv = (await get(`/v1/events/${EVENT}/inventory-trend?zone=Floor&${range}&source=gametime`)).body;
    expect(inv.points.map((p: Body) => [p.tickets, p.listings, p.tickets_peak])).toEqual([
      [2, 1, 2],
      [8, 3, 8],
    ]);
    const allInv = (await get(`/v1/events/${EVENT}/inventory-trend?zone=Floor&${range}`)).body;
    // The last all-sources row of each hour: duplicates counted once.
    expect(allInv.points.map((p: Body) => p.tickets)).toEqual([8, 10]);
    const pairs = (
      await get(`/v1/events/${EVENT}/group-price-trend?zone=Floor&group_size=2&${range}&source=vividseats`)
    ).body;
    expect(pairs.points).toEqual([{ t: iso(H1), price: 420 }]);
    const candles = (await get(`/v1/events/${EVENT}/candles?zone=Floor&${range}&source=gametime`)).body;
    expect(candles.points).toEqual([
      { t: iso(H0), open: 190, high: 190, low: 190, close: 190 },
      { t: iso(H1), open: 220, high: 220, low: 220, close: 220 },
    ]);
    const allCandles = (await get(`/v1/events/${EVENT}/candles?zone=Floor&${range}`)).body;
    expect(allCandles.points).toEqual([
      { t: iso(H0), open: 200, high: 200, low: 190, close: 190 },
      { t: iso(H1), open: 190, high: 210, low: 190, close: 210 },
    ]);
  });

  it('answers 404 for a source the event is not on or a zone it does not list, 400 naming source for an unknown one', async () => {
    const off = await get(`/v1/events/${EVENT}/price-trend?zone=Floor&${range}&source=simulated`);
    expect(off.status).toBe(404);
    expect(off.body.error.message).toContain('not on source simulated');
    const pit = await get(`/v1/events/${EVENT}/price-trend?zone=Pit&${range}&source=vividseats`);
    expect(pit.status).toBe(404);
    const bad = await get(`/v1/events/${EVENT}/price-trend?zone=Floor&${range}&source=stubhub`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('source');
  });

  it('lists zones per source or over all sources', async () => {
    const gt = (await get(`/v1/events/${EVENT}/zones?source=gametime`)).body;
    expect(gt.zones.map((z: Body) => [z.zone, z.lowest_price, z.total_tickets])).toEqual([
      ['Floor', 220, 8],
      ['Pit', 500, 2],
    ]);
    const all = (await get(`/v1/events/${EVENT}/zones`)).body;
    expect(all.source).toBe('all');
    expect(all.zones.map((z: Body) => [z.zone, z.lowest_price, z.total_tickets])).toEqual([
      ['Floor', 210, 10],
      ['Pit', 500, 2],
    ]);
  });
});

describe('GET /v1/events/{id}/sources', () => {
  it("compares each source's latest snapshot, all sources, and names the cheapest source per zone", async () => {
    const { status, body } = await get(`/v1/events/${EVENT}/sources`);
    expect(status).toBe(200);
    expect(
      body.sources.map((s: Body) => [s.source, s.label, s.source_event_id, s.get_in, s.get_in_2, s.tickets]),
    ).toEqual([
      ['vividseats', 'Vivid Seats', '5000001', 210, 420, 4],
      ['gametime', 'Gametime', 'gt-1', 220, 1000, 10],
      ['all', 'All sources', null, 210, 1000, 12],
    ]);
    expect(body.sources[1].scraped_at).toBe(iso(H1 + 120_000));
    expect(body.zones).toEqual([
      {
        zone: 'Floor',
        cheapest_source: 'vividseats',
        sources: [
          { source: 'vividseats', get_in: 210, get_in_2: 420, get_in_4: null, tickets: 4 },
          { source: 'gametime', get_in: 220, get_in_2: null, get_in_4: null, tickets: 8 },
          { source: 'all', get_in: 210, get_in_2: null, get_in_4: null, tickets: 10 },
        ],
      },
      {
        zone: 'Pit',
        cheapest_source: 'gametime',
        sources: [
          { source: 'gametime', get_in: 500, get_in_2: 1000, get_in_4: null, tickets: 2 },
          { source: 'all', get_in: 500, get_in_2: 1000, get_in_4: null, tickets: 2 },
        ],
      },
    ]);
  });

  it('lists the registry', async () => {
    const { body } = await get('/v1/sources');
    expect(body.sources.map((s: Body) => s.name)).toEqual([
      'vividseats',
      'gametime',
      'simulated',
      'simulated-gametime',
    ]);
  });
});
