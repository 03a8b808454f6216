import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../lib/errors.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { loadMigrations, migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type QuerySettings, type Store } from '../../lib/clickhouse/store.ts';
import { INSERT_CHUNK_ROWS, chunkToken, insertChunks } from '../../consumers/runner/batch-runner.ts';
import { testConfig } from '../helpers/env.ts';

const cfg = testConfig();
let store: Store;

beforeAll(async () => {
  store = await createStore(cfg.clickhouse);
});
afterAll(async () => {
  await store.close();
});

describe('embedded ClickHouse (chDB) and migrations', () => {
  it('applies every migration once, and a second run is a no-op', async () => {
    const all = loadMigrations().map((m) => m.file);
    const first = await migrate(store);
    expect(first.applied).toEqual(all);
    const second = await migrate(store);
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual(all);
    const tables = await store.query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'events',
        'section_snapshots',
        'zone_snapshots',
        'zone_rollups_hourly',
        'zone_daily',
        'schema_migrations',
      ]),
    );
  });

  it('round-trips rows, and drops a block re-sent with the same dedup token', async () => {
    await migrate(store);
    const row = {
      event_id: 'e1',
      source: 'simulated',
      source_event_id: '1',
      name: 'Show',
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: '2026-12-01 20:00:00.000',
      capacity: 1200,
      active: true,
      created_at: '2026-11-01 00:00:00.000',
      updated_at: '2026-11-01 00:00:00.000',
      version: 1,
    };
    await store.insert('events', [row], { dedupToken: 'events:t:0:0-0' });
    await store.insert('events', [row], { dedupToken: 'events:t:0:0-0' });
    const rows = await store.query<{ event_id: string; capacity: number; active: boolean; n: number }>(
      'SELECT event_id, capacity, active, count() OVER () AS n FROM events WHERE event_id = {id:String}',
      { id: 'e1' },
    );
    expect(rows).toEqual([{ event_id: 'e1', capacity: 1200, active: true, n: 1 }]);
  });

  it('a replayed range cut into insert chunks adds nothing the second time', async () => {
    await migrate(store);
    const scrapedAt = chDateTime(Date.now()); // inside the table's TTL
    const rows = Array.from({ length: INSERT_CHUNK_ROWS * 2 + 500 }, (_, i) => ({
      event_id: 'chunked',
      scraped_at: scrapedAt,
      snapshot_id: 's1',
      zone_id: 'z',
      zone: 'Floor',
      section: 'A',
      row: '1',
      listing_id: `l${i}`,
      quantity: 2,
      base_price_cents: 1000,
      all_in_price_cents: 1200,
      splits: [2],
      outlier: false,
      rejected_reason: '',
    }));
    const write = async () => {
      for (const [k, chunk] of insertChunks(rows).entries())
        await store.insert('raw_listings', chunk, { dedupToken: chunkToken('g:t:0:0-9:raw_listings', k) });
    };
    await write();
    await write();
    const [r] = await store.query<{ n: number; ids: number }>(
      "SELECT count() AS n, uniqExact(listing_id) AS ids FROM raw_listings WHERE event_id = 'chunked'",
    );
    expect(insertChunks(rows).map((c) => c.length)).toEqual([INSERT_CHUNK_ROWS, INSERT_CHUNK_ROWS, 500]);
    expect(r).toEqual({ n: rows.length, ids: rows.length });
  });

  it('an insert without a token does not inherit the previous insert token (chDB keeps session settings)', async () => {
    await migrate(store);
    const row = (v: number) => ({
      event_id: 'leak',
      source: 'simulated',
      source_event_id: '9',
      name: `v${v}`,
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: '2026-12-01 20:00:00.000',
      capacity: null,
      active: true,
      created_at: '2026-11-01 00:00:00.000',
      updated_at: '2026-11-01 00:00:00.000',
      version: v,
    });
    await store.insert('events', [row(1)], { dedupToken: 'some-range-token' });
    await store.insert('events', [row(2)]);
    await store.insert('events', [row(3)]);
    const rows = await store.query<{ n: number }>("SELECT count() AS n FROM events WHERE event_id = 'leak'");
    expect(rows).toEqual([{ n: 3 }]);
  });

  it('runs ingest work at TWS_CLICKHOUSE_INGEST_NICE and API reads at normal priority', async () => {
    expect(cfg.clickhouse.ingestNice).toBe(10); // the default
    const setting = `toInt64(getSetting('os_thread_priority'))`;
    expect(await store.ingestQuery(`SELECT ${setting} AS p`)).toEqual([{ p: 10 }]);
    expect(await store.query(`SELECT ${setting} AS p`)).toEqual([{ p: 0 }]);
    // A column default is computed in the insert's context: the write ran with the setting too.
    await store.command(`CREATE TABLE nice_probe (k UInt8, p Int64 DEFAULT ${setting}) ENGINE = Memory`);
    try {
      await store.insert('nice_probe', [{ k: 1 }]);
      expect(await store.query('SELECT k, p FROM nice_probe')).toEqual([{ k: 1, p: 10 }]);
    } finally {
      await store.command('DROP TABLE nice_probe');
    }
  });

  it('writes side by side on the write sessions (TWS_INGEST_LANES), with one dedup and one priority for all', async () => {
    // Unset: a process of consumers alone opens DEFAULT_INGEST_LANES.alone (2) write sessions.
    expect(cfg.clickhouse.mode === 'embedded' && cfg.clickhouse.writeSessions).toBeUndefined();
    const setting = `toInt64(getSetting('os_thread_priority'))`;
    await store.command(
      `CREATE TABLE lanes_probe (k UInt32, p Int64 DEFAULT ${setting}) ENGINE = MergeTree ORDER BY k
       SETTINGS non_replicated_deduplication_window = 100`,
    );
    try {
      const rows = (from: number) => Array.from({ length: 50_000 }, (_, i) => ({ k: from + i }));
      // Overlapping writes take different sessions: a replay under the same token is dropped
      // whichever session it lands on, and a range under its own token is kept.
      await Promise.all([
        store.insert('lanes_probe', rows(0), { dedupToken: 'g:t:0:0-9:lanes_probe' }),
        store.insert('lanes_probe', rows(0), { dedupToken: 'g:t:0:0-9:lanes_probe' }),
        store.insert('lanes_probe', rows(100_000), { dedupToken: 'g:t:1:0-9:lanes_probe' }),
      ]);
      await Promise.all([
        store.insert('lanes_probe', rows(100_000), { dedupToken: 'g:t:1:0-9:lanes_probe' }),
        store.insert('lanes_probe', rows(0), { dedupToken: 'g:t:0:0-9:lanes_probe' }),
      ]);
      expect(
        await store.query('SELECT count() AS n, uniqExact(k) AS keys, min(p) AS lo, max(p) AS hi FROM lanes_probe'),
      ).toEqual([{ n: 100_000, keys: 100_000, lo: 10, hi: 10 }]);
    } finally {
      await store.command('DROP TABLE lanes_probe');
    }
  });

  it('analyst settings stay on the sandbox connection', async () => {
    // readonly last: the limits first, then nothing can change (as api/queries/adhoc.ts does).
    const limits: QuerySettings = { max_result_rows: '5', result_overflow_mode: 'throw', readonly: '1' };
    await store.sandboxQuery('SELECT 1', undefined, limits);
    await expect(store.sandboxQuery('SELECT number FROM numbers(10)', undefined, limits)).rejects.toThrow(
      /limit|rows/i,
    );
    const rows = await store.query<{ number: number }>('SELECT number FROM numbers(10)');
    expect(rows).toHaveLength(10);
  });

  it('puts the snapshot tables on the tiered storage policy', async () => {
    await migrate(store);
    const rows = await store.query<{ name: string; storage_policy: string }>(
      "SELECT name, storage_policy FROM system.tables WHERE database = currentDatabase() AND name IN ('zone_snapshots', 'section_snapshots') ORDER BY name",
    );
    expect(rows.map((r) => r.storage_policy)).toEqual(['tws_tiered', 'tws_tiered']);
  });

  it('stops on a failed migration with the file name and the ClickHouse error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tws-mig-'));
    writeFileSync(
      join(dir, '0001_ok.sql'),
      'CREATE TABLE IF NOT EXISTS mig_ok (a UInt8) ENGINE = MergeTree ORDER BY a;\n',
    );
    writeFileSync(
      join(dir, '0002_broken.sql'),
      'CREATE TABLE mig_broken (a NoSuchType) ENGINE = MergeTree ORDER BY a;\n',
    );
    const other = await createStore({ ...cfg.clickhouse, database: 'migration_failure' });
    const err = await migrate(other, dir).catch((e: unknown) => e);
    await other.close();
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).message).toMatch(/0002_broken\.sql.*NoSuchType/s);
  });
});
