// The ingest views against an independent model. Random scrapes (repeated zone ids and section
// names, empty zones and sections, missing, zero, negative, out-of-range and fat-fingered prices,
// odd quantities and splits, equal scrape times, several ranges) go through the real path: Avro
// through the real registry, one landing INSERT per range into real chDB, the views. Every
// section, zone, snapshot and raw-listing row must equal the TypeScript model of the rules in
// docs/metrics.md (test/support/metrics-model), processed in offset order.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import type { AvroType } from '../../lib/clickhouse/avro-structure.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { Listing, ListingSnapshot, Zone } from '../../lib/model.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import { AvroCodec, loadSchemaText } from '../../lib/registry/codec.ts';
import { testConfig, uniqueId } from '../../test/helpers/env.ts';
import { computeSnapshotMetrics, type SnapshotMetrics } from '../../test/support/metrics-model/compute.ts';
import { TrailingMedians } from '../../test/support/metrics-model/outliers.ts';
import { ensureSchema } from '../schema.ts';
import { landingColumns, landingParts } from './landing.ts';

const config = testConfig();
const READER = JSON.parse(loadSchemaText('ListingSnapshot')) as AvroType;
const topic = `${config.kafka.topicPrefix}.listings.snapshots.v1`;
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

const T0 = Date.UTC(2026, 10, 20, 12);
const HOUR = 3_600_000;

const price = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 2_000, max: 40_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 900 }) }, // fat fingers
  { weight: 1, arbitrary: fc.constantFrom(null, 0, -100, 1_073_741_823, 1_073_741_824, 99_999_999_999) },
);
const listing: fc.Arbitrary<Listing> = fc.record({
  listing_id: fc.string({ minLength: 1, maxLength: 6 }),
  row: fc.constantFrom('', 'A', 'B'),
  quantity: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -3) },
  ),
  base_price_cents: price,
  all_in_price_cents: price,
  splits: fc.option(fc.uniqueArray(fc.integer({ min: -1, max: 6 }), { maxLength: 4 }), { nil: null }),
});
// Zone ids from a small set, so zones repeat within a scrape and across scrapes (history).
const zone: fc.Arbitrary<Zone> = fc.record({
  zone_id: fc.constantFrom('z1', 'z2', 'z3'),
  name: fc.constantFrom('Floor', 'Lower', 'Upper bowl'),
  sections: fc.array(
    fc.record({ name: fc.constantFrom('101', '102', 'GA'), listings: fc.array(listing, { maxLength: 7 }) }),
    { maxLength: 3 },
  ),
});
const scrape = fc.record({
  // Two sources of one event: each keeps its own outlier history of a zone (same zone ids here).
  source: fc.constantFrom('simulated', 'gametime'),
  minutes: fc.integer({ min: 0, max: 36 * 60 }), // equal times happen too
  zones: fc.array(zone, { maxLength: 4 }),
  rejected: fc.array(
    fc.record({ reason: fc.constantFrom('missing_id', 'bad_zone'), count: fc.integer({ min: 0, max: 3 }) }),
    {
      maxLength: 2,
    },
  ),
  startsInDays: fc.option(fc.integer({ min: -2, max: 60 }), { nil: null }),
});

interface Case {
  event: string;
  snapshots: ListingSnapshot[];
  /** Where each range ends (offsets), so history from earlier ranges is exercised. */
  cuts: number[];
}

const caseOf = fc
  .tuple(fc.array(scrape, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 11 }), { maxLength: 3 }))
  .map(([scrapes, cuts]): Case => {
    const event = uniqueId('ev-');
    return {
      event,
      snapshots: scrapes.map((s, i) => ({
        snapshot_id: `${event}-s${i}`,
        job_id: 'j',
        event_id: event,
        source: s.source,
        source_event_id: 'p',
        scraped_at: T0 + s.minutes * 60_000,
        event_starts_at: s.startsInDays === null ? null : T0 + s.startsInDays * 24 * HOUR,
        zones: s.zones,
        rejected: s.rejected,
      })),
      cuts: [...new Set(cuts)].filter((c) => c < scrapes.length).sort((a, b) => a - b),
    };
  });

let partition = 0;

async function ingest(c: Case): Promise<void> {
  const p = partition++;
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
    const range = records.slice(bounds[k], bounds[k + 1]);
    for (const part of landingParts(range, READER, writers, {
      outlierRatio: 0.25,
      excludeOutliers: true,
      keepRawListings: true,
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

/** Snapshot `i` of `event`, scraped `i` hours after T0 on source 's'. */
const hourly = (event: string, i: number, zones: Zone[]): ListingSnapshot => ({
  snapshot_id: `${event}-${i}`,
  job_id: 'j',
  event_id: event,
  source: 's',
  source_event_id: 'p',
  scraped_at: T0 + i * HOUR,
  event_starts_at: null,
  zones,
  rejected: [],
});

/**
 * One INSERT holding two partitions whose offsets repeat (0, 0, 1, 1, …), as a Kafka engine feeding
 * snapshot_landing writes them: each record's partition is matched by snapshot id, like its offset.
 */
async function ingestTwoPartitions(c: Case): Promise<void> {
  const [pa, pb] = [partition++, partition++];
  const values = await Promise.all(c.snapshots.map((s) => codec.encode(topic, s)));
  const records = c.snapshots.map((s, i) => ({
    partition: i % 2 === 0 ? pa : pb,
    offset: BigInt(i >> 1),
    schemaId,
    snapshotId: s.snapshot_id,
    value: values[i]!,
  }));
  const writers = new Map([[schemaId, (await codec.writerSchema(schemaId)) as AvroType]]);
  const ids = records.map((r) => `'${r.snapshotId}'`).join(', ');
  const partitions = records.map((r) => r.partition).join(', ');
  for (const part of landingParts(records, READER, writers, {
    outlierRatio: 0.25,
    excludeOutliers: true,
    keepRawListings: true,
  })) {
    const select = part.select.replace(
      `toUInt32(${pa}) AS kafka_partition`,
      `transform(w.snapshot_id, [${ids}], CAST([${partitions}] AS Array(UInt32)), toUInt32(0)) AS kafka_partition`,
    );
    expect(select).not.toBe(part.select);
    await store.insertEncoded({
      table: TABLES.snapshotLanding,
      columns: landingColumns(READER),
      select,
      format: 'AvroConfluent',
      structure: part.structure,
      body: part.body,
      dedupToken: `${c.event}:mixed`,
      formatSettings: { format_avro_schema_registry_url: registryUrlForClickHouse(config) },
    });
  }
}

/** What the model says, in offset order with one reference state (the history of the event). */
function model(c: Case): Array<{ snapshot: ListingSnapshot; metrics: SnapshotMetrics }> {
  const medians = new TrailingMedians();
  return c.snapshots.map((snapshot) => ({
    snapshot,
    metrics: computeSnapshotMetrics(snapshot, { medians, outlierRatio: 0.25, excludeOutliers: true }),
  }));
}

type Row = Record<string, unknown>;
const norm = (v: unknown): unknown => (typeof v === 'boolean' ? Number(v) : v === undefined ? null : v);
const PRICE_COLUMNS = [
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
] as const;

function expectMetrics(actual: Row | undefined, expected: Record<string, unknown>, what: string): void {
  expect(actual, `${what} missing`).toBeDefined();
  for (const col of PRICE_COLUMNS) expect(norm(actual![col]), `${what} ${col}`).toEqual(norm(expected[col]));
  const avg = expected.average_price_cents as number | null;
  if (avg === null) expect(actual!.average_price_cents, `${what} average`).toBeNull();
  else expect(Number(actual!.average_price_cents), `${what} average`).toBeCloseTo(avg, 6);
}

async function check(c: Case): Promise<void> {
  const q = (table: string, cols: string) =>
    store.query<Row>(`SELECT ${cols} FROM ${table} WHERE event_id = {e:String}`, { e: c.event });
  const [zones, sections, snaps, raws] = await Promise.all([
    q(TABLES.zoneSnapshots, '*'),
    q(TABLES.sectionSnapshots, '*'),
    q(TABLES.snapshots, '*'),
    q(TABLES.rawListings, 'snapshot_id, source, zone_id, section, listing_id, outlier, rejected_reason'),
  ]);
  const expected = model(c);
  expect(zones.length).toBe(expected.reduce((n, e) => n + e.metrics.zones.length, 0));
  expect(sections.length).toBe(expected.reduce((n, e) => n + e.metrics.sections.length, 0));
  expect(snaps.length).toBe(c.snapshots.length);
  expect(raws.length).toBe(expected.reduce((n, e) => n + e.metrics.listings.length, 0));
  const zoneBy = new Map(zones.map((r) => [`${r.snapshot_id}|${r.zone_id}`, r]));
  const sectionBy = new Map(sections.map((r) => [`${r.snapshot_id}|${r.zone_id}|${r.section}`, r]));
  const snapBy = new Map(snaps.map((r) => [r.snapshot_id, r]));
  for (const { snapshot: s, metrics: m } of expected) {
    for (const z of m.zones) {
      const a = zoneBy.get(`${s.snapshot_id}|${z.zone_id}`);
      expectMetrics(a, z as unknown as Record<string, unknown>, `${s.snapshot_id} zone ${z.zone_id}`);
      expect(a!.zone, 'zone name').toBe(z.zone);
      expect(a!.source, 'zone source').toBe(s.source);
      expect(a!.sections, 'sections').toBe(z.sections);
      expect(a!.days_to_event, 'days_to_event').toBe(m.daysToEvent);
    }
    for (const sec of m.sections)
      expectMetrics(
        sectionBy.get(`${s.snapshot_id}|${sec.zone_id}|${sec.section}`),
        sec as unknown as Record<string, unknown>,
        `${s.snapshot_id} section ${sec.zone_id}/${sec.section}`,
      );
    const snap = snapBy.get(s.snapshot_id)!;
    expect(snap.source).toBe(s.source);
    expect(sections.filter((r) => r.snapshot_id === s.snapshot_id).every((r) => r.source === s.source)).toBe(true);
    expect(raws.filter((r) => r.snapshot_id === s.snapshot_id).every((r) => r.source === s.source)).toBe(true);
    expect(snap.zones).toBe(s.zones.length);
    expect(snap.sections).toBe(m.sections.length);
    expect(snap.listings).toBe(m.listings.length);
    expect(snap.outlier_listings).toBe(m.outliers);
    expect(snap.rejected_listings).toBe(m.rejected + s.rejected.reduce((n, r) => n + r.count, 0));
    // Each listing's verdict, as multisets per (snapshot, zone, section, listing id).
    const verdicts = (
      rows: Array<{
        zone_id: unknown;
        section: unknown;
        listing_id: unknown;
        outlier: unknown;
        rejected_reason: unknown;
      }>,
    ) => rows.map((v) => `${v.zone_id}|${v.section}|${v.listing_id}|${norm(v.outlier)}|${v.rejected_reason}`).sort();
    expect(
      verdicts(raws.filter((r) => r.snapshot_id === s.snapshot_id) as never),
      `${s.snapshot_id} listing verdicts`,
    ).toEqual(
      verdicts(
        m.listings.map((v) => ({
          zone_id: v.zone_id,
          section: v.section,
          listing_id: v.listing.listing_id,
          outlier: v.outlier,
          rejected_reason: v.rejectedReason,
        })),
      ),
    );
  }
}

describe('ingest views', () => {
  it('compute every row as the model of docs/metrics.md does, on random scrapes', async () => {
    await fc.assert(
      fc.asyncProperty(caseOf, async (c) => {
        await ingest(c);
        await check(c);
      }),
      { numRuns: 25 },
    );
  }, 240_000);

  it('flag a fat-finger against the trailing reference of earlier ranges', async () => {
    const listings = (p: number, n = 5): Listing[] =>
      Array.from({ length: n }, (_, i) => ({
        listing_id: `l${i}`,
        row: '',
        quantity: 2,
        base_price_cents: p,
        all_in_price_cents: p + i,
        splits: null,
      }));
    const z = (ls: Listing[]): Zone[] => [{ zone_id: 'z', name: 'Floor', sections: [{ name: '101', listings: ls }] }];
    const event = uniqueId('ff-');
    const snap = (i: number, zs: Zone[]) => hourly(event, i, zs);
    // Two normal scrapes in one range, then a scrape whose only cheap listing is 5% of the level.
    const c: Case = {
      event,
      snapshots: [
        snap(0, z(listings(10_000))),
        snap(1, z(listings(10_000))),
        snap(2, z([...listings(10_000), ...listings(500, 1).map((l) => ({ ...l, listing_id: 'ff' }))])),
      ],
      cuts: [2],
    };
    await ingest(c);
    const [row] = await store.query<Row>(
      `SELECT lowest_price_cents, outlier_listings FROM zone_snapshots WHERE snapshot_id = {s:String}`,
      { s: `${event}-2` },
    );
    expect(row).toEqual({ lowest_price_cents: 10_000, outlier_listings: 1 });
    await check(c);
  });

  it('keep the snapshots of an insert of several partitions apart when their offsets repeat', async () => {
    const event = uniqueId('mp-');
    const zones = (k: number): Zone[] => [
      {
        zone_id: 'z',
        name: 'Floor',
        sections: [
          {
            name: `${100 + (k % 3)}`,
            listings: Array.from({ length: 2 + k }, (_, i) => ({
              listing_id: `l${i}`,
              row: 'A',
              quantity: 1 + (i % 4),
              base_price_cents: 9_000 + 700 * k + 50 * i,
              all_in_price_cents: 10_000 + 700 * k + 50 * i,
              splits: null,
            })),
          },
        ],
      },
    ];
    // Scrape times strictly increasing with the order, so the model's history is the block's.
    const c: Case = {
      event,
      snapshots: Array.from({ length: 6 }, (_, k) => hourly(event, k, zones(k))),
      cuts: [],
    };
    await ingestTwoPartitions(c);
    await check(c);
  });
});
