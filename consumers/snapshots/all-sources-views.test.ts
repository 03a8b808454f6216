// The all-sources views against an independent model (test/support/metrics-model/all-sources.ts).
// Random scrapes of one event on two or three sources (section and row labels written differently,
// seats given or not, prices near each other, out of order and equal scrape times, expired peers,
// fat fingers and bad listings) go through the real path: Avro through the real registry, one
// landing INSERT per range into real chDB, the views. Every zone_snapshots_all_sources row and every
// raw listing's also_on must equal the model's, processed in offset order.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import type { AvroType } from '../../lib/clickhouse/avro-structure.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { Listing, ListingSnapshot, Zone } from '../../lib/model.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import { AvroCodec, loadSchemaText } from '../../lib/registry/codec.ts';
import { testConfig, uniqueId } from '../../test/helpers/env.ts';
import { allSources, placeKey, type AllSourcesSnapshot } from '../../test/support/metrics-model/all-sources.ts';
import { computeSnapshotMetrics } from '../../test/support/metrics-model/compute.ts';
import { TrailingMedians } from '../../test/support/metrics-model/outliers.ts';
import { ensureSchema } from '../schema.ts';
import { landingColumns, landingParts } from './landing.ts';

const config = testConfig();
const READER = JSON.parse(loadSchemaText('ListingSnapshot')) as AvroType;
const topic = `${config.kafka.topicPrefix}.listings.snapshots.v1`;
const TOLERANCE = 0.02;
const MAX_AGE_S = 3600;
let store: Store;
let codec: AvroCodec;
let schemaId: number;

beforeAll(async () => {
  store = await createStore(config.clickhouse);
  await ensureSchema(store);
  codec = new AvroCodec(config.registry.url);
  schemaId = await codec.register(topic, 'ListingSnapshot');
}, 120_000);

afterAll(async () => {
  await store?.close();
});

// Recent times: recent_listings, the other sources' side, keeps 8 days (older rows are not written).
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000;

describe('placeKey (the model)', () => {
  it('folds case, spacing and a leading section or row word, and nothing else', () => {
    expect(['112', 'Sec 112', 'sec. 112', 'SECTION  112', ' Section 112 '].map(placeKey)).toEqual(Array(5).fill('112'));
    expect(['Row 7', 'row7', 'Rowland', ''].map(placeKey)).toEqual(['7', 'row7', 'rowland', '']);
  });
});

// Prices around a few levels, so listings of different sites fall within 2 % of each other or not.
const price = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.tuple(fc.constantFrom(10_000, 20_000), fc.integer({ min: -400, max: 400 })).map(([a, b]) => a + b),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 900 }) }, // fat fingers
  { weight: 1, arbitrary: fc.constantFrom(null, 0, -5) },
);
const seats = fc.option(fc.uniqueArray(fc.constantFrom('1', '2', '3', '4', '5', '6'), { minLength: 1, maxLength: 3 }), {
  nil: null,
});
const listing: fc.Arbitrary<Listing> = fc.record({
  listing_id: fc.constantFrom('a', 'b', 'c', 'd'),
  row: fc.constantFrom('1', 'Row 1', '2', ' row  2', ''),
  quantity: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) },
    { weight: 1, arbitrary: fc.constant(0) },
  ),
  base_price_cents: price,
  all_in_price_cents: price,
  splits: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), { nil: null }),
  seats,
});
const zonesOf = (source: string): fc.Arbitrary<Zone[]> =>
  fc.array(
    fc.record({
      // Each site has its own zone ids; names are shared (and may repeat within a snapshot).
      zone_id: fc.constantFrom('1', '2', '3').map((id) => `${source.slice(0, 2)}${id}`),
      name: fc.constantFrom('Floor', 'Lower'),
      sections: fc.array(
        fc.record({
          name: fc.constantFrom('112', 'Sec 112', 'section 112', '110', 'GA'),
          listings: fc.array(listing, { maxLength: 5 }),
        }),
        { maxLength: 3 },
      ),
    }),
    { maxLength: 3 },
  );
const SOURCES = ['gametime', 'simulated', 'vividseats'] as const;
const scrape = fc.constantFrom(...SOURCES).chain((source) =>
  fc.record({
    source: fc.constant(source),
    minutes: fc.integer({ min: 0, max: 180 }), // max age is 60 min: some peers expire
    zones: zonesOf(source),
  }),
);

interface Case {
  event: string;
  snapshots: ListingSnapshot[];
  cuts: number[];
}

const caseOf = fc
  .tuple(fc.array(scrape, { minLength: 2, maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 3 }))
  .map(([scrapes, cuts]): Case => {
    const event = uniqueId('mk-');
    return {
      event,
      snapshots: scrapes.map((s, i) => ({
        snapshot_id: `${event}-s${i}`,
        job_id: 'j',
        event_id: event,
        source: s.source,
        source_event_id: `${s.source}-ev`,
        scraped_at: T0 + s.minutes * 60_000,
        event_starts_at: T0 + 10 * 86_400_000,
        zones: s.zones,
        rejected: [],
      })),
      cuts: [...new Set(cuts)].filter((c) => c < scrapes.length).sort((a, b) => a - b),
    };
  });

let partition = 0;

async function ingest(c: Case): Promise<void> {
  const p = 1000 + partition++;
  const values = await Promise.all(c.snapshots.map((s) => codec.encode(topic, s)));
  const records = c.snapshots.map((s, i) => ({
    partition: p,
    offset: BigInt(i),
    schemaId,
    snapshotId: s.snapshot_id,
    value: values[i]!,
  }));
  const writers = new Map([[schemaId, (await codec.writerSchema(schemaId)) as AvroType]]);
  const bounds = [0, ...c.cuts, records.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    for (const part of landingParts(records.slice(bounds[k], bounds[k + 1]), READER, writers, {
      outlierRatio: 0.25,
      excludeOutliers: true,
      keepRawListings: true,
      allSources: { dedupeTolerance: TOLERANCE, maxAgeSeconds: MAX_AGE_S },
    })) {
      await store.insertEncoded({
        table: TABLES.snapshotLanding,
        columns: landingColumns(READER),
        select: part.select,
        format: 'AvroConfluent',
        structure: part.structure,
        body: part.body,
        dedupToken: `${c.event}:${k}`,
        formatSettings: { format_avro_schema_registry_url: registryUrlForClickHouse(config) },
      });
    }
  }
}

function model(c: Case): AllSourcesSnapshot[] {
  const medians = new TrailingMedians();
  const processed = c.snapshots.map((snapshot) => ({
    snapshot,
    metrics: computeSnapshotMetrics(snapshot, { medians, outlierRatio: 0.25, excludeOutliers: true }),
  }));
  return allSources(processed, { tolerance: TOLERANCE, maxAgeMs: MAX_AGE_S * 1000, excludeOutliers: true });
}

type Row = Record<string, unknown>;
const norm = (v: unknown): unknown => (typeof v === 'boolean' ? Number(v) : v === undefined ? null : v);
const COLUMNS = [
  'zone_id',
  'sections',
  'lowest_price_cents',
  'lowest_base_price_cents',
  'median_price_cents',
  'highest_price_cents',
  'lowest_price_2_cents',
  'lowest_price_4_cents',
  'sum_price_cents',
  'priced_listings',
  'total_tickets',
  'total_listings',
  'available',
  'outlier_listings',
  'rejected_listings',
  'duplicate_listings',
] as const;

async function check(c: Case): Promise<{ links: number; duplicates: number }> {
  const [rows, raws] = await Promise.all([
    store.query<Row>(`SELECT * FROM ${TABLES.zoneSnapshotsAllSources} WHERE event_id = {e:String}`, { e: c.event }),
    store.query<Row>(
      `SELECT snapshot_id, source, zone_id, section, listing_id, seats, also_on FROM ${TABLES.rawListings} WHERE event_id = {e:String}`,
      { e: c.event },
    ),
  ]);
  const expected = model(c);
  expect(rows.length, 'zone rows').toBe(expected.reduce((n, m) => n + m.zones.length, 0));
  const byKey = new Map(rows.map((r) => [`${r.snapshot_id}|${r.zone}`, r]));
  let links = 0;
  let duplicates = 0;
  for (const m of expected) {
    for (const z of m.zones) {
      const what = `${m.snapshot.snapshot_id} ${z.zone}`;
      const a = byKey.get(`${m.snapshot.snapshot_id}|${z.zone}`);
      expect(a, `${what} missing`).toBeDefined();
      for (const col of COLUMNS) expect(norm(a![col]), `${what} ${col}`).toEqual(norm(z[col]));
      if (z.average_price_cents === null) expect(a!.average_price_cents, `${what} average`).toBeNull();
      else expect(Number(a!.average_price_cents), `${what} average`).toBeCloseTo(z.average_price_cents, 6);
      expect(a!.sources, `${what} sources`).toEqual(m.sources);
      expect(a!.snapshot_ids, `${what} snapshot_ids`).toEqual(m.snapshot_ids);
      expect(a!.source).toBe(m.snapshot.source);
      duplicates += z.duplicate_listings;
    }
    // Each own listing's also_on, as multisets per (zone, section, listing id).
    const actual = raws
      .filter((r) => r.snapshot_id === m.snapshot.snapshot_id)
      .map((r) => `${r.zone_id}|${r.section}|${r.listing_id}|${(r.also_on as string[]).join(',')}`)
      .sort();
    const want = [...m.alsoOn].map(([k, v]) => `${k.slice(0, k.lastIndexOf('|'))}|${v.join(',')}`).sort();
    expect(actual, `${m.snapshot.snapshot_id} also_on`).toEqual(want);
    links += [...m.alsoOn.values()].filter((v) => v.length > 0).length;
    expect(
      raws.filter((r) => r.snapshot_id === m.snapshot.snapshot_id).every((r) => r.source === m.snapshot.source),
    ).toBe(true);
  }
  return { links, duplicates };
}

describe('all-sources views', () => {
  it('compute every all-sources zone row and every also_on as the model does, on random multi-source scrapes', async () => {
    let links = 0;
    let duplicates = 0;
    await fc.assert(
      fc.asyncProperty(caseOf, async (c) => {
        await ingest(c);
        const seen = await check(c);
        links += seen.links;
        duplicates += seen.duplicates;
      }),
      { numRuns: 20 },
    );
    // The property reached the dedupe: listings were linked across sites and counted once.
    expect(links).toBeGreaterThan(0);
    expect(duplicates).toBeGreaterThan(0);
  }, 900_000);

  it('give an event on one source all-sources rows equal to its own zone rows', async () => {
    const event = uniqueId('one-');
    const l = (id: string, p: number, q = 2): Listing => ({
      listing_id: id,
      row: '1',
      quantity: q,
      base_price_cents: p - 100,
      all_in_price_cents: p,
      splits: null,
    });
    const snapshots: ListingSnapshot[] = [0, 1].map((i) => ({
      snapshot_id: `${event}-${i}`,
      job_id: 'j',
      event_id: event,
      source: 'vividseats',
      source_event_id: 'p',
      scraped_at: T0 + i * 60_000,
      event_starts_at: null,
      zones: [
        { zone_id: '7', name: 'Floor', sections: [{ name: '101', listings: [l('x', 10_000), l('y', 12_000, 4)] }] },
      ],
      rejected: [],
    }));
    await ingest({ event, snapshots, cuts: [1] });
    const cols = COLUMNS.filter((col) => col !== 'duplicate_listings').join(', ');
    const own = await store.query<Row>(
      `SELECT snapshot_id, ${cols} FROM ${TABLES.zoneSnapshots} WHERE event_id = {e:String} ORDER BY snapshot_id`,
      { e: event },
    );
    const all = await store.query<Row>(
      `SELECT snapshot_id, ${cols} FROM ${TABLES.zoneSnapshotsAllSources} WHERE event_id = {e:String} ORDER BY snapshot_id`,
      { e: event },
    );
    expect(all).toEqual(own);
    expect(own).toHaveLength(2);
  });
});
