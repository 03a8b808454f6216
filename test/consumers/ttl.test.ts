// TTL archival replaces the seed's copy/delete/VACUUM job: old snapshot partitions move to the
// archive disk, queries still see them, raw listings expire, and retention follows configuration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import { applyRetention } from '../../lib/clickhouse/retention.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { testConfig } from '../helpers/env.ts';

const config = testConfig({ TWS_ARCHIVE_AFTER_DAYS: '90', TWS_RAW_LISTINGS_TTL_DAYS: '14' });
let store: Store;
const DAY = 86_400_000;
const now = Date.now();

const zoneRow = (t: number, lowest: number) => ({
  event_id: 'e1',
  scraped_at: chDateTime(t),
  snapshot_id: `s${t}`,
  job_id: 'j',
  zone_id: 'z',
  zone: 'Floor',
  sections: 1,
  days_to_event: 3,
  lowest_price_cents: lowest,
  lowest_base_price_cents: lowest,
  average_price_cents: lowest,
  median_price_cents: lowest,
  highest_price_cents: lowest,
  lowest_price_2_cents: null,
  lowest_price_4_cents: null,
  sum_price_cents: lowest,
  priced_listings: 1,
  total_tickets: 2,
  total_listings: 1,
  available: true,
  outlier_listings: 0,
  rejected_listings: 0,
  kafka_partition: 0,
  kafka_offset: 0,
});

beforeAll(async () => {
  store = await createStore(config.clickhouse);
  await ensureSchema(store);
});
afterAll(() => store.close());

describe('TTL archival', () => {
  it('applies the configured ages (and is a no-op the second time)', async () => {
    const changed = await applyRetention(store, config.retention);
    expect(changed).toEqual(
      expect.arrayContaining(['zone_snapshots', 'section_snapshots', 'snapshots', 'raw_listings']),
    );
    expect(changed).not.toContain('zone_rollups_hourly'); // 730 days is the migration's default
    expect(await applyRetention(store, config.retention)).toEqual([]);
  });

  it('moves old partitions to the archive disk, and queries still return them', async () => {
    await store.insert('zone_snapshots', [zoneRow(now - 200 * DAY, 5_000), zoneRow(now - DAY, 7_000)]);
    await store.command('ALTER TABLE zone_snapshots MATERIALIZE TTL', undefined, { mutations_sync: '2' });
    const parts = await store.query<{ disk_name: string; min_t: string }>(
      `SELECT disk_name, toString(min_time) AS min_t FROM system.parts
       WHERE database = currentDatabase() AND table = 'zone_snapshots' AND active ORDER BY min_time`,
    );
    expect(parts.map((p) => p.disk_name)).toEqual(['tws_archive', 'tws_hot']);
    const rows = await store.query<{ lowest_price_cents: number }>(
      'SELECT lowest_price_cents FROM zone_snapshots ORDER BY scraped_at',
    );
    expect(rows.map((r) => r.lowest_price_cents)).toEqual([5_000, 7_000]);
    // The rollups (fed by the view) still cover the archived scrape.
    const [daily] = await store.query<{ n: number }>('SELECT count() AS n FROM zone_daily');
    expect(Number(daily!.n)).toBe(2);
  });

  it('deletes raw listings past their age', async () => {
    const raw = (t: number) => ({
      event_id: 'e1',
      scraped_at: chDateTime(t),
      snapshot_id: `s${t}`,
      zone_id: 'z',
      zone: 'Floor',
      section: '101',
      row: 'A',
      listing_id: `l${t}`,
      quantity: 2,
      base_price_cents: 100,
      all_in_price_cents: 120,
      splits: [2],
      outlier: false,
      rejected_reason: '',
    });
    await store.insert('raw_listings', [raw(now - 20 * DAY), raw(now - DAY)]);
    await store.command('ALTER TABLE raw_listings MATERIALIZE TTL', undefined, { mutations_sync: '2' });
    await store.command('OPTIMIZE TABLE raw_listings FINAL');
    const rows = await store.query<{ listing_id: string }>('SELECT listing_id FROM raw_listings');
    expect(rows.map((r) => r.listing_id)).toEqual([`l${now - DAY}`]);
  });
});
