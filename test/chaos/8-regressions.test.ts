// Regressions for bugs the chaos suite found in the embedded store (lib/clickhouse/store.ts), where
// chDB keeps per-query settings on the connection's session, so that they apply to every later
// statement on it:
//   1. after one insert with a dedup token, every insert without one reuses that token, and the
//      second such insert into a table with a dedup window is silently dropped as a duplicate:
//      API catalog writes (EventCatalog.write) are lost, a read right after the write finds nothing;
//   2. after one analyst query (POST /v1/sql), every read of the process runs with the analyst's
//      limits (readonly, max_result_rows with result_overflow_mode=throw, max_execution_time,
//      max_memory_usage): API and consumer queries over 10,000 rows fail.
// (Found by scenario 7, where events created through the API could not be read back, and by the
// lost-write analysis that followed.)
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { runAdhocSql } from '../../api/queries/adhoc.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { KEY, apiConfig } from '../api/seed.ts';
import { Scenario } from './support/results.ts';
import { scenarioEnv } from './support/scenario.ts';

const rec = new Scenario('regressions', 8, 'Regressions: embedded store settings leak between statements', 'writes');
const env = scenarioEnv('regress');
let store: Store;
const counts = { writes: 0, found: 0 };

beforeAll(async () => {
  store = await createStore(env.config.clickhouse);
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  rec.set({
    recordsIn: counts.writes,
    recordsOut: counts.found,
    lost: counts.writes - counts.found,
    duplicated: 0,
    recoveryMs: null,
    recoveryWhat: 'n/a: catalog writes made after a tokenized insert, and how many could be read back',
    peakRssMb: null,
    rssWhat: 'n/a',
  });
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

const job = (id: string) => ({
  job_id: id,
  status: 'success',
  started_at: '2026-01-01 00:00:00.000',
  finished_at: null,
  events_planned: 1,
  events_succeeded: 1,
  events_failed: 0,
  snapshots: 0,
  listings: 0,
  retries: 0,
  error: null,
  version: 2,
});

describe('embedded store', () => {
  it('keeps inserts without a dedup token that follow one with a token (API catalog writes are not lost)', async () => {
    const catalog = new EventCatalog({ store });
    // What the ops consumer does on the same connection in `tws up`: a tokenized insert.
    await store.insert('scrape_jobs', [job('j-regress')], { dedupToken: 'group:topic:0:0-0:scrape_jobs' });
    const app = createApp({ store, config: apiConfig(), catalog });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.request('/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          source: 'simulated',
          source_event_id: String(700 + i),
          name: `Show ${i}`,
          venue: 'Hall',
          timezone: 'UTC',
          starts_at: '2027-06-01T20:00:00Z',
        }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { event_id: string }).event_id);
    }
    const found: string[] = [];
    for (const id of ids) {
      counts.writes++;
      const res = await app.request(`/v1/events/${id}`);
      if (res.status === 200) {
        counts.found++;
        found.push(id);
      }
    }
    rec.detail('catalogWrites', { created: ids, readBack: found });
    expect(found, 'events created through the API and read right back').toEqual(ids);
  });

  it('does not apply the analyst SQL limits (readonly, max_result_rows, …) to later reads', async () => {
    const limits = { maxExecutionSeconds: 5, maxResultRows: 100, maxMemoryBytes: 200_000_000 };
    await runAdhocSql(store, 'SELECT 1 AS one', limits);
    let rows = -1;
    let error: string | undefined;
    try {
      rows = (await store.query<{ n: number }>('SELECT number AS n FROM numbers(500)')).length;
    } catch (err) {
      error = (err as Error).message.slice(0, 200);
    }
    const changed = await store.query<{ name: string; value: string }>(
      "SELECT name, value FROM system.settings WHERE changed AND name IN ('readonly', 'max_result_rows', 'result_overflow_mode', 'max_execution_time', 'max_memory_usage')",
    );
    rec.detail('readAfterAnalystQuery', { rows, error, settingsLeft: changed });
    expect(error, 'a 500-row read after an analyst query').toBeUndefined();
    expect(rows).toBe(500);
    expect(changed).toEqual([]);
  });
});
