// What a new_listings rule counts, in the real engine: the `new` rows of listing_changes of the
// record's snapshot in its zone (and by section); not the baseline (`initial`), not a listing back
// within the relist window (`returned`), not another scrape's or another zone's; and only once the
// lifecycle's ledger says the snapshot's range is in, not merely once its judged row exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NewListingsReader } from '../../consumers/alerts/new-listings.ts';
import type { ZoneMetricsRecord } from '../../consumers/alerts/observation.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { testConfig } from '../helpers/env.ts';

const T = Date.UTC(2026, 10, 1, 12);
const LEDGER = { group: 'tws-lifecycle', topic: 'tws.snapshots' };
let store: Store;

const judged = (snapshot_id: string, kafka_offset: number) => ({
  event_id: 'evt',
  source: 'simulated',
  snapshot_id,
  scraped_at: chDateTime(T),
  diffed: true,
  kafka_partition: 0,
  kafka_offset,
});

/** The lifecycle's ledger row for partition 0 (the last range only, as the runner keeps it). */
const ledger = (first: number, last: number, phase: 'before' | 'after', version: number) => ({
  consumer_group: LEDGER.group,
  topic: LEDGER.topic,
  partition: 0,
  first_offset: first,
  last_offset: last,
  phase,
  version,
});

const change = (snapshot_id: string, zone: string, section: string, kind: string, listing_id: string) => ({
  change_id: `${snapshot_id}-${listing_id}-${kind}`,
  event_id: 'evt',
  source: 'simulated',
  listing_id,
  kind,
  changed_at: chDateTime(T),
  snapshot_id,
  zone_id: zone,
  zone,
  section,
  row: 'A',
  quantity: 2,
  listed_at: chDateTime(T),
});

const record = (snapshot_id: string, zone: string): ZoneMetricsRecord =>
  ({ event_id: 'evt', snapshot_id, scraped_at: T, zone_id: zone, zone, sections: 2 }) as ZoneMetricsRecord;

beforeAll(async () => {
  store = await createStore(testConfig().clickhouse);
  await migrate(store);
  await store.insert('listing_changes', [
    change('s2', 'Floor', '101', 'new', 'a'),
    change('s2', 'Floor', '101', 'new', 'b'),
    change('s2', 'Floor', '102', 'new', 'c'),
    change('s2', 'Floor', '102', 'price_change', 'c0'),
    change('s2', 'Floor', '102', 'returned', 'd'),
    change('s2', 'Balcony', '201', 'new', 'e'),
    change('s1', 'Floor', '101', 'initial', 'f'),
    change('s1', 'Floor', '101', 'initial', 'g'),
  ]);
  // What the lifecycle judged: s1 to s3 (s3 brought nothing new), its range 0-2 in; s4 is not judged.
  await store.insert('lifecycle_snapshots', [judged('s1', 0), judged('s2', 1), judged('s3', 2)]);
  await store.insert('sink_offsets', [ledger(0, 2, 'after', 7)]);
}, 60_000);

afterAll(async () => {
  await store?.close();
});

describe('NewListingsReader', () => {
  it("counts the record's snapshot's new listings in its zone, by section", async () => {
    const got = (await new NewListingsReader(store, LEDGER).of(record('s2', 'Floor')))!;
    expect(got.zone).toBe(3);
    expect(Object.fromEntries(got.sections)).toEqual({ '101': 2, '102': 1 });
  });

  it('counts no baseline listings, and none of another zone', async () => {
    expect((await new NewListingsReader(store, LEDGER).of(record('s1', 'Floor')))?.zone).toBe(0);
    expect((await new NewListingsReader(store, LEDGER).of(record('s2', 'Balcony')))?.zone).toBe(1);
    expect((await new NewListingsReader(store, LEDGER).of(record('s3', 'Floor')))?.zone).toBe(0);
  });

  it('waits for the lifecycle to judge the snapshot, and says so (null) when it does not in time', async () => {
    const reader = new NewListingsReader(store, LEDGER, 400, 50);
    expect(await reader.of(record('s4', 'Floor'))).toBeNull();
    // Judged while the reader waits, its range in: it counts then.
    const late = reader.of(record('s5', 'Floor'));
    await store.insert('lifecycle_snapshots', [judged('s5', 3)]);
    await store.insert('sink_offsets', [ledger(3, 3, 'after', 9)]);
    expect((await late)?.zone).toBe(0);
  });

  it('does not count a judged snapshot whose range is not in yet (its changes may still be landing)', async () => {
    // The lifecycle insert writes lifecycle_snapshots before listing_changes: s6's row exists, its
    // range (4-5) is `before`, and its one new listing is not written yet.
    await store.insert('lifecycle_snapshots', [judged('s6', 4)]);
    await store.insert('sink_offsets', [ledger(4, 5, 'before', 12)]);
    const reader = new NewListingsReader(store, LEDGER, 2_000, 50);
    const pending = reader.of(record('s6', 'Floor'));
    await new Promise((r) => setTimeout(r, 300));
    await store.insert('listing_changes', [change('s6', 'Floor', '101', 'new', 'h')]);
    await store.insert('sink_offsets', [ledger(4, 5, 'after', 13)]);
    expect((await pending)?.zone).toBe(1);
    // A later range began: the earlier one is in, whatever its phase said.
    await store.insert('lifecycle_snapshots', [judged('s7', 6)]);
    await store.insert('sink_offsets', [ledger(8, 9, 'before', 20)]);
    expect((await reader.of(record('s7', 'Floor')))?.zone).toBe(0);
  });
});
