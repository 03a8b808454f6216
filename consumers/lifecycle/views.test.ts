// The lifecycle views against an independent model (test/support/lifecycle-model). Random scrapes of
// one event (listings appearing, selling down, repricing, vanishing and coming back within and after
// the relist window, repeated ids, unpriced and empty listings, partial scrapes by parse rejects or a
// short listing count, stale scrape times, removals near the start) go through the real path: Avro
// through the registry, one landing INSERT per range into chDB, the views. Every listing_changes and
// lifecycle_snapshots row must equal the model's. Then the last range is inserted again under a new
// token after listing_state was merged: the replay must compute exactly the rows it computed first.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvroType } from '../../lib/clickhouse/avro-structure.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { applyManagedViews } from '../../lib/clickhouse/views.ts';
import type { Listing, ListingSnapshot, Zone } from '../../lib/model.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import { AvroCodec, loadSchemaText } from '../../lib/registry/codec.ts';
import { testConfig, uniqueId } from '../../test/helpers/env.ts';
import { lifecycle, type ExpectedChange, type LifecycleRules } from '../../test/support/lifecycle-model/diff.ts';
import { landingColumns, landingParts } from '../snapshots/landing.ts';
import { lifecycleViews } from './views.ts';

const config = testConfig();
const READER = JSON.parse(loadSchemaText('ListingSnapshot')) as AvroType;
const topic = `${config.kafka.topicPrefix}.listings.snapshots.v1`;
const RULES: LifecycleRules = { relistWindowHours: 1, eventEndCutoffMinutes: 30 };
let store: Store;
let codec: AvroCodec;
let schemaId: number;

beforeAll(async () => {
  store = await createStore(config.clickhouse);
  // Only the lifecycle's views: the snapshot metrics have their own test (snapshots/views.test.ts).
  await migrate(store);
  await applyManagedViews(store, lifecycleViews());
  codec = new AvroCodec(config.registry.url);
  schemaId = await codec.register(topic, 'ListingSnapshot');
}, 120_000);

afterAll(async () => {
  await store?.close();
});

const T0 = Date.UTC(2026, 10, 20, 12);
const MIN = 60_000;

const listing: fc.Arbitrary<Listing> = fc.record({
  listing_id: fc.constantFrom('L1', 'L2', 'L3', 'L4', 'L5', 'L6'),
  row: fc.constantFrom('', '7'),
  quantity: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 1, max: 5 }) },
    { weight: 1, arbitrary: fc.constant(0) },
  ),
  base_price_cents: fc.constant(null),
  all_in_price_cents: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(9_000, 10_000, 12_500) },
    { weight: 1, arbitrary: fc.constantFrom(null, 0, -5, 1_073_741_824) },
  ),
  splits: fc.constant(null),
});
const zone: fc.Arbitrary<Zone> = fc.record({
  zone_id: fc.constantFrom('z1', 'z2'),
  name: fc.constantFrom('Floor', 'Upper'),
  sections: fc.array(fc.record({ name: fc.constantFrom('A', 'B'), listings: fc.array(listing, { maxLength: 5 }) }), {
    maxLength: 2,
  }),
});
const scrape = fc.record({
  // Mostly forward, sometimes back in time (a stale scrape), steps around the 1-hour relist window.
  step: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 100 }) },
    { weight: 1, arbitrary: fc.integer({ min: -60, max: 0 }) },
  ),
  zones: fc.array(zone, { maxLength: 2 }),
  rejected: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
  ),
  /** null: none announced; 0: the right count; else off by that much (a partial answer). */
  announced: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 2) },
  ),
});

interface Case {
  event: string;
  snapshots: ListingSnapshot[];
  cuts: number[];
}

const caseOf = fc
  .tuple(
    fc.array(scrape, { minLength: 1, maxLength: 14 }),
    fc.array(fc.integer({ min: 1, max: 13 }), { maxLength: 3 }),
    fc.option(fc.integer({ min: 60, max: 900 }), { nil: null }),
  )
  .map(([scrapes, cuts, startsAfterMin]): Case => {
    const event = uniqueId('lc-');
    let at = T0;
    return {
      event,
      snapshots: scrapes.map((s, i) => {
        at += s.step * MIN;
        const count = s.zones.reduce((n, z) => n + z.sections.reduce((m, x) => m + x.listings.length, 0), 0);
        return {
          snapshot_id: `${event}-s${i}`,
          job_id: 'j',
          event_id: event,
          source: 'simulated',
          source_event_id: 'p',
          scraped_at: at,
          event_starts_at: startsAfterMin === null ? null : T0 + startsAfterMin * MIN,
          zones: s.zones,
          rejected: s.rejected ? [{ reason: 'missing_id', count: s.rejected }] : [],
          expected_listings: s.announced === null ? null : count + s.announced,
        };
      }),
      cuts: [...new Set(cuts)].filter((c) => c < scrapes.length).sort((a, b) => a - b),
    };
  });

let partition = 0;

/** The ranges of a case as the consumer inserts them: Avro bytes, one landing INSERT each. */
async function ranges(c: Case) {
  const p = partition++;
  const values = await Promise.all(c.snapshots.map((s) => codec.encode(topic, s)));
  const records = c.snapshots.map((s, i) => ({
    partition: p,
    offset: BigInt(i),
    schemaId,
    snapshotId: s.snapshot_id,
    value: values[i]!,
  }));
  const bounds = [0, ...c.cuts, records.length];
  return bounds.slice(0, -1).map((b, k) => records.slice(b, bounds[k + 1]));
}

async function insert(range: Awaited<ReturnType<typeof ranges>>[number], token: string): Promise<void> {
  const writers = new Map([[schemaId, (await codec.writerSchema(schemaId)) as AvroType]]);
  for (const part of landingParts(range, READER, writers, {
    outlierRatio: 0.25,
    excludeOutliers: true,
    keepRawListings: false,
    lifecycle: RULES,
  })) {
    await store.insertEncoded({
      table: TABLES.lifecycleLanding,
      columns: landingColumns(READER),
      select: part.select,
      format: 'AvroConfluent',
      structure: part.structure,
      body: part.body,
      dedupToken: token,
      formatSettings: { format_avro_schema_registry_url: registryUrlForClickHouse(config) },
    });
  }
}

type Row = Record<string, unknown>;
const COLUMNS = `listing_id, kind, toUnixTimestamp64Milli(changed_at) AS changed_at, toUnixTimestamp64Milli(previous_at) AS previous_at,
  snapshot_id, previous_snapshot_id, zone_id, zone, section, row, quantity_before, quantity, price_before_cents, price_cents,
  direction, tickets_sold, sale_price_cents, toUnixTimestamp64Milli(sale_at) AS sale_at,
  toUnixTimestamp64Milli(removed_at) AS removed_at, toUnixTimestamp64Milli(listed_at) AS listed_at, excluded_reason, days_to_event`;
const keyOf = (r: { snapshot_id: unknown; listing_id: unknown; kind: unknown }) =>
  `${r.snapshot_id}|${r.listing_id}|${r.kind}`;
const sorted = <T extends { snapshot_id: unknown; listing_id: unknown; kind: unknown }>(rows: T[]) =>
  [...rows].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

async function changesOf(event: string): Promise<Row[]> {
  return store.query<Row>(`SELECT ${COLUMNS} FROM ${TABLES.listingChanges} WHERE event_id = {e:String}`, { e: event });
}

function expectChanges(actual: Row[], expected: ExpectedChange[], what: string): void {
  expect(sorted(actual as never[]).map(keyOf), `${what}: the changes`).toEqual(sorted(expected).map(keyOf));
  const rows = sorted(actual as never[]) as Row[];
  const model = sorted(expected);
  for (const [i, e] of model.entries()) expect(rows[i], `${what}: ${keyOf(e)}`).toEqual({ ...e });
}

describe('listing lifecycle views', () => {
  it('write every change the independent model computes, and the same rows again on a replay', async () => {
    await fc.assert(
      fc.asyncProperty(caseOf, async (c) => {
        const parts = await ranges(c);
        for (const [k, range] of parts.entries()) await insert(range, `${c.event}:${k}`);
        const run = lifecycle(c.snapshots, RULES);
        expectChanges(await changesOf(c.event), run.changes, c.event);

        const judged = await store.query<{
          snapshot_id: string;
          diffed: boolean;
          skip_reason: string;
          previous_snapshot_id: string;
        }>(
          `SELECT snapshot_id, diffed, skip_reason, previous_snapshot_id FROM ${TABLES.lifecycleSnapshots}
           WHERE event_id = {e:String} ORDER BY kafka_offset`,
          { e: c.event },
        );
        expect(
          judged.map((j) => ({
            snapshot_id: j.snapshot_id,
            skip: j.skip_reason,
            previous_snapshot_id: j.previous_snapshot_id,
          })),
        ).toEqual(run.snapshots);

        // A replay of the last range after merges dropped older state rows: identical rows again.
        await store.command(`OPTIMIZE TABLE ${TABLES.listingState} FINAL`);
        const last = parts.at(-1)!;
        const ids = new Set(last.map((r) => r.snapshotId));
        await insert(last, `${c.event}:replay`);
        const again = run.changes.filter((e) => ids.has(e.snapshot_id));
        expectChanges(
          await changesOf(c.event),
          [...run.changes, ...again],
          `${c.event} after a replay of its last range`,
        );
      }),
      { numRuns: Number(process.env.LC_RUNS ?? 30), endOnFailure: true },
    );
  }, 300_000);
});
