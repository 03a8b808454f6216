// Issue 14, "Done when": redelivering or replaying the snapshots changes no row of the lifecycle's
// tables (listing_changes, lifecycle_snapshots) or of the market rollups. The stream is the
// simulated marketplace's (relists, withdrawals, partial scrapes), in small ranges across partitions.
// Then: every offset redelivered (the ledger skips them), copies of snapshots re-published (found
// by snapshot_id), and `tws replay` from the middle of the topic (rows deleted, listing_state and the
// rollups rebuilt, the ranges written again): after each, every row equals the first run's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planReplay } from '../../consumers/replay.ts';
import { snapshotGroups, startConsumers, type ConsumerService } from '../../consumers/service.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { rewindGroup } from '../../lib/kafka/admin.ts';
import { silentLogger } from '../../lib/logger.ts';
import { testConfig } from '../helpers/env.ts';
import { marketStream } from '../support/market-stream.ts';
import { prepareReplayWhenIdle, produceSnapshots, setUpPipeline, waitFor } from '../support/pipeline.ts';

const config = testConfig({ TWS_BATCH_MAX_SNAPSHOTS: '20' });
const HOUR = 3_600_000;
const { snapshots } = marketStream({
  seed: 5,
  events: 3,
  // Every event over 10 days ago: a scrape time is never in the future (that would be poison).
  now: Math.floor(Date.now() / HOUR) * HOUR - 50 * 24 * HOUR,
  stepMinutes: 10,
  partialRate: 0.1,
  window: { fromBeforeStartMs: 40 * HOUR, toBeforeStartMs: 30 * HOUR },
});
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService | undefined;
let first: Awaited<ReturnType<typeof tables>>;

/** Every row the lifecycle wrote or derived, in a stable order. */
async function tables(store: Store) {
  return {
    changes: await store.query('SELECT * FROM listing_changes ORDER BY event_id, changed_at, listing_id, kind'),
    judged: await store.query('SELECT * FROM lifecycle_snapshots ORDER BY event_id, scraped_at'),
    hourly: await store.query('SELECT * FROM market_hourly ORDER BY event_id, zone, hour'),
    daily: await store.query('SELECT * FROM market_daily ORDER BY event_id, zone, day'),
  };
}

const start = async () =>
  (consumers = await startConsumers({
    config,
    store: env.store,
    kafka: env.kafka,
    log: silentLogger,
    only: ['metrics', 'lifecycle'],
  }));

beforeAll(async () => {
  env = await setUpPipeline(config);
  await produceSnapshots(env.producer, snapshots);
  await start();
  await waitFor(
    'every snapshot written and judged',
    async () =>
      consumers!.metrics.stats.records >= snapshots.length && consumers!.lifecycle.stats.records >= snapshots.length,
    300_000,
  );
  first = await tables(env.store);
}, 420_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

describe('listing lifecycle, exactly once', () => {
  it('has something to protect: every kind of change, partial scrapes skipped', () => {
    const kinds = new Set(first.changes.map((r) => (r as { kind: string }).kind));
    for (const k of ['initial', 'new', 'price_change', 'qty_drop', 'removed', 'returned'])
      expect(kinds, k).toContain(k);
    expect(first.judged.some((r) => (r as { skip_reason: string }).skip_reason === 'incomplete')).toBe(true);
    expect(first.hourly.length).toBeGreaterThan(0);
  });

  it('a redelivery of every offset changes no row', async () => {
    await consumers!.stop();
    for (const group of snapshotGroups(config)) await rewindGroup(env.kafka, group, env.producer.topics.snapshots);
    await start();
    await waitFor(
      'redelivered records skipped by both consumers',
      async () =>
        consumers!.metrics.stats.skipped >= snapshots.length && consumers!.lifecycle.stats.skipped >= snapshots.length,
    );
    expect(await tables(env.store)).toEqual(first);
  });

  it('copies of snapshots published again change no row', async () => {
    const copies = snapshots.filter((_, i) => i % 7 === 3);
    const before = consumers!.handler.stats.duplicates;
    await produceSnapshots(env.producer, copies);
    const judged = consumers!.lifecycle.stats.records;
    await waitFor(
      'the copies found by both consumers',
      async () =>
        consumers!.handler.stats.duplicates >= before + copies.length &&
        consumers!.lifecycle.stats.records >= judged + copies.length,
    );
    expect(await tables(env.store)).toEqual(first);
  });

  it('tws replay from the middle of the topic writes the same rows again', async () => {
    await consumers!.stop();
    const middle = snapshots[Math.floor(snapshots.length / 2)]!.scraped_at;
    const plan = await planReplay(env.kafka, env.producer.topics.snapshots, { time: middle });
    expect(plan.total).toBeGreaterThan(0);
    await prepareReplayWhenIdle(env, snapshotGroups(config), plan);
    // The rows from the replayed offsets are gone before the consumer writes them again.
    const [left] = await env.store.query<{ n: number }>('SELECT count() AS n FROM listing_changes');
    expect(Number(left!.n)).toBeLessThan(first.changes.length);
    await start();
    await waitFor(
      'the replayed ranges written by both consumers',
      async () => consumers!.metrics.stats.records >= plan.total && consumers!.lifecycle.stats.records >= plan.total,
      240_000,
    );
    expect(await tables(env.store)).toEqual(first);
  }, 300_000);
});
