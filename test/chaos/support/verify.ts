// The end-state check every stream scenario shares: what the snapshot tables hold against what was
// produced. Counts come from the raw snapshots alone; the rollups from the independent
// recomputation in test/support/recompute.ts, never from consumers/metrics.
import { expect } from 'vitest';
import type { Store } from '../../../lib/clickhouse/store.ts';
import type { ListingSnapshot } from '../../../lib/model.ts';
import { recomputeRollups, type ExpectedRollup } from '../../support/recompute.ts';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

type Row = Record<string, number | string | null>;

export interface TablesDump {
  snapshots: { n: number; u: number };
  /** Every distinct snapshot id in `snapshots`. */
  ids: string[];
  /** Ids stored more than once (at most 50). */
  duplicateIds: string[];
  sections: { n: number; listings: number };
  zones: { n: number; u: number };
  raw: { n: number };
  hourly: Row[];
  daily: Row[];
}

const one = async (store: Pick<Store, 'query'>, sql: string): Promise<Row> => (await store.query<Row>(sql))[0] ?? {};

export async function dumpTables(store: Pick<Store, 'query'>): Promise<TablesDump> {
  const snaps = await one(store, 'SELECT count() AS n, uniqExact(snapshot_id) AS u FROM snapshots');
  const ids = await store.query<{ id: string }>('SELECT DISTINCT snapshot_id AS id FROM snapshots');
  const dups = await store.query<{ id: string }>(
    'SELECT snapshot_id AS id FROM snapshots GROUP BY snapshot_id HAVING count() > 1 LIMIT 50',
  );
  const sections = await one(store, 'SELECT count() AS n, sum(total_listings) AS listings FROM section_snapshots');
  const zones = await one(store, 'SELECT count() AS n, uniqExact(snapshot_id, zone_id) AS u FROM zone_snapshots');
  const raw = await one(store, 'SELECT count() AS n FROM raw_listings');
  return {
    snapshots: { n: Number(snaps.n ?? 0), u: Number(snaps.u ?? 0) },
    ids: ids.map((r) => r.id),
    duplicateIds: dups.map((r) => r.id),
    sections: { n: Number(sections.n ?? 0), listings: Number(sections.listings ?? 0) },
    zones: { n: Number(zones.n ?? 0), u: Number(zones.u ?? 0) },
    raw: { n: Number(raw.n ?? 0) },
    hourly: await store.query<Row>('SELECT * FROM zone_hourly ORDER BY event_id, zone, hour'),
    daily: await store.query<Row>('SELECT * FROM zone_daily ORDER BY event_id, zone, day'),
  };
}

export interface Expected {
  ids: Set<string>;
  zones: number;
  sections: number;
  listings: number;
  /** Listings with a positive all-in price and a quantity of at least 1. */
  validListings: number;
  hourly: ExpectedRollup[];
  daily: ExpectedRollup[];
}

const isValidListing = (l: { quantity: number; all_in_price_cents: number | null }) =>
  Number.isSafeInteger(l.quantity) &&
  l.quantity >= 1 &&
  l.all_in_price_cents !== null &&
  Number.isSafeInteger(l.all_in_price_cents) &&
  l.all_in_price_cents > 0;

/**
 * What the tables must hold for `produced`, given in the order the consumer sees it per event
 * (production order; copies of a snapshot id count once).
 */
export function expectedFrom(produced: readonly ListingSnapshot[]): Expected {
  const ids = new Set<string>();
  let zones = 0;
  let sections = 0;
  let listings = 0;
  let validListings = 0;
  const unique: ListingSnapshot[] = [];
  for (const s of produced) {
    if (ids.has(s.snapshot_id)) continue;
    ids.add(s.snapshot_id);
    unique.push(s);
    const zoneIds = new Set<string>();
    const sectionKeys = new Set<string>();
    for (const z of s.zones) {
      zoneIds.add(z.zone_id);
      for (const sec of z.sections) {
        sectionKeys.add(`${z.zone_id}\u0000${sec.name}`);
        for (const l of sec.listings) {
          listings++;
          if (isValidListing(l)) validListings++;
        }
      }
    }
    zones += zoneIds.size;
    sections += sectionKeys.size;
  }
  return {
    ids,
    zones,
    sections,
    listings,
    validListings,
    hourly: recomputeRollups(unique, HOUR),
    daily: recomputeRollups(unique, DAY),
  };
}

export interface Figures {
  recordsIn: number;
  recordsOut: number;
  lost: number;
  duplicated: number;
  /** Snapshot ids in the table that were never produced. */
  unexpected: number;
}

export function figures(dump: TablesDump, exp: Expected): Figures {
  const stored = new Set(dump.ids);
  let lost = 0;
  for (const id of exp.ids) if (!stored.has(id)) lost++;
  let unexpected = 0;
  for (const id of stored) if (!exp.ids.has(id)) unexpected++;
  return {
    recordsIn: exp.ids.size,
    recordsOut: dump.snapshots.n,
    lost,
    duplicated: dump.snapshots.n - dump.snapshots.u,
    unexpected,
  };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const INT_COLUMNS = [
  'min_price_cents',
  'max_price_cents',
  'min_price_2_cents',
  'min_price_4_cents',
  'open_price_cents',
  'close_price_cents',
  'tickets_last',
  'tickets_peak',
  'listings_last',
  'listings_peak',
  'scrapes',
] as const;
const FLOAT_COLUMNS = ['avg_price_cents', 'tickets_avg', 'listings_avg'] as const;

/** Differences between stored rollups and the recomputation, as readable lines (empty when equal). */
export function rollupMismatches(actual: Row[], expected: ExpectedRollup[], granularity: 'hourly' | 'daily'): string[] {
  const keyCol = granularity === 'hourly' ? 'hour' : 'day';
  const toStart = (v: string) =>
    granularity === 'hourly' ? Date.parse(`${v.replace(' ', 'T')}Z`) : Date.parse(`${v}T00:00:00Z`);
  const out: string[] = [];
  const byKey = new Map(actual.map((r) => [`${r.event_id}|${r.zone}|${toStart(String(r[keyCol]))}`, r]));
  if (actual.length !== expected.length) out.push(`${granularity}: ${actual.length} rows, expected ${expected.length}`);
  for (const e of expected) {
    const ctx = `${granularity} ${e.event_id}/${e.zone}/${new Date(e.start).toISOString()}`;
    const a = byKey.get(`${e.event_id}|${e.zone}|${e.start}`);
    if (!a) {
      out.push(`${ctx}: missing`);
      continue;
    }
    for (const col of INT_COLUMNS) if (num(a[col]) !== e[col]) out.push(`${ctx} ${col}: ${a[col]} != ${e[col]}`);
    for (const col of FLOAT_COLUMNS) {
      const want = e[col];
      const got = num(a[col]);
      if (want === null ? got !== null : got === null || Math.abs(got - want) > 1e-6 * Math.max(1, Math.abs(want)))
        out.push(`${ctx} ${col}: ${a[col]} != ${want}`);
    }
  }
  return out.slice(0, 30);
}

/** Every produced snapshot exactly once in every snapshot table, and the rollups as recomputed. */
export function expectTablesMatch(dump: TablesDump, exp: Expected): void {
  const f = figures(dump, exp);
  expect(f, 'snapshot figures').toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
  expect(dump.duplicateIds).toEqual([]);
  expect(dump.snapshots).toEqual({ n: exp.ids.size, u: exp.ids.size });
  expect(dump.zones, 'zone_snapshots rows').toEqual({ n: exp.zones, u: exp.zones });
  expect(dump.sections, 'section_snapshots rows and sum(total_listings)').toEqual({
    n: exp.sections,
    listings: exp.validListings,
  });
  expect(dump.raw.n, 'raw_listings rows').toBe(exp.listings);
  expect(rollupMismatches(dump.hourly, exp.hourly, 'hourly')).toEqual([]);
  expect(rollupMismatches(dump.daily, exp.daily, 'daily')).toEqual([]);
}
