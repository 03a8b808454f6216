// Issue: the rollups must equal an independent recomputation from the raw snapshots, through
// out-of-order records, duplicate redeliveries, several scrapes per hour, empty sections and bad prices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewindGroup } from '../../lib/kafka/admin.ts';
import { silentLogger } from '../../lib/logger.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { count, produceSnapshots, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { recomputeRollups, type ExpectedRollup } from '../support/recompute.ts';
import { knownStream } from '../support/stream.ts';
import { readTopic } from '../support/read-topic.ts';

const config = testConfig({ TWS_WINDOW_GRACE_SECONDS: '600' });
const stream = knownStream();
const distinct = new Set(stream.map((s) => s.snapshot_id)).size;
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService | undefined;

beforeAll(async () => {
  env = await setUpPipeline(config);
  await produceSnapshots(env.producer, stream);
  consumers = await startConsumers({ config, store: env.store, kafka: env.kafka, log: silentLogger, only: 'metrics' });
  // Every record's range has reached the ledger's `after`: each table and view has all of it
  // (the views fill the tables one after the other, so no single table says so).
  await waitFor('every record written', async () => consumers!.metrics.stats.records >= stream.length, 90_000);
}, 180_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

type Row = Record<string, number | string | null>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function compare(actual: Row[], expected: ExpectedRollup[], keyCol: string, toStart: (v: string) => number) {
  const byKey = new Map(actual.map((r) => [`${r.event_id}|${r.zone}|${toStart(String(r[keyCol]))}`, r]));
  expect(actual.length).toBe(expected.length);
  for (const e of expected) {
    const a = byKey.get(`${e.event_id}|${e.zone}|${e.start}`);
    expect(a, `${e.event_id} ${e.zone} ${new Date(e.start).toISOString()}`).toBeDefined();
    const ctx = `${e.event_id}/${e.zone}/${new Date(e.start).toISOString()}`;
    for (const col of [
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
    ] as const) {
      expect(num(a![col]), `${ctx} ${col}`).toBe(e[col]);
    }
    for (const col of ['avg_price_cents', 'tickets_avg', 'listings_avg'] as const) {
      if (e[col] === null) expect(a![col], `${ctx} ${col}`).toBeNull();
      else expect(num(a![col]), `${ctx} ${col}`).toBeCloseTo(e[col]!, 6);
    }
  }
}

describe('metrics consumer correctness', () => {
  it('writes each snapshot exactly once, duplicates and out-of-order records included', async () => {
    expect(await count(env.store, 'SELECT count() AS n FROM snapshots')).toBe(distinct);
    expect(await count(env.store, 'SELECT uniqExact(snapshot_id) AS n FROM zone_snapshots')).toBe(distinct);
    expect(consumers!.handler.stats.duplicates).toBe(stream.length - distinct);
  });

  it('hourly rollups equal an independent recomputation', async () => {
    const actual = await env.store.query<Row>('SELECT * FROM zone_hourly ORDER BY event_id, zone, hour');
    compare(actual, recomputeRollups(stream, 3_600_000), 'hour', (v) => Date.parse(`${v.replace(' ', 'T')}Z`));
  });

  it('daily rollups equal an independent recomputation', async () => {
    const actual = await env.store.query<Row>('SELECT * FROM zone_daily ORDER BY event_id, zone, day');
    compare(actual, recomputeRollups(stream, 86_400_000), 'day', (v) => Date.parse(`${v}T00:00:00Z`));
  });

  it('rejects bad prices and flags the fat-finger without averaging them', async () => {
    const [row] = await env.store.query<{ rejected: number; outliers: number }>(
      'SELECT sum(rejected_listings) AS rejected, sum(outlier_listings) AS outliers FROM zone_snapshots',
    );
    expect(Number(row!.outliers)).toBeGreaterThanOrEqual(1);
    expect(Number(row!.rejected)).toBeGreaterThan(0);
    const [empty] = await env.store.query<{ n: number }>(
      'SELECT count() AS n FROM section_snapshots WHERE total_listings = 0 AND available = false AND lowest_price_cents IS NULL',
    );
    expect(Number(empty!.n)).toBeGreaterThan(0);
  });

  it('publishes zone metrics for every (snapshot, zone) to the zone-metrics topic', async () => {
    const zones = await count(env.store, 'SELECT count() AS n FROM zone_snapshots');
    const records = await readTopic<{ snapshot_id: string; zone: string; total_tickets: number }>(
      env.kafka,
      env.producer.topics.zoneMetrics,
      config.registry.url,
      { min: zones },
    );
    const keys = new Set(records.map((r) => `${r.snapshot_id}|${r.zone}`));
    expect(keys.size).toBe(zones);
  });

  it('emits every hourly and daily window to the rollups topic with the recomputed values', async () => {
    type Emitted = ExpectedRollup & { granularity: string; window_start: number; revision: number };
    const expected = [
      ...recomputeRollups(stream, 3_600_000).map((e) => ({ ...e, granularity: 'hourly' })),
      ...recomputeRollups(stream, 86_400_000).map((e) => ({ ...e, granularity: 'daily' })),
    ];
    const keyOf = (granularity: string, eventId: string, zone: string, start: number) =>
      `${granularity}|${eventId}|${zone}|${start}`;
    // The stream lies days in the past: once the consumer is caught up, the idle policy moves stream
    // time to now − grace, so every window closes, the last hour of each event included.
    const latest = await waitFor(
      'every window emitted',
      async () => {
        const records = await readTopic<Emitted>(env.kafka, env.producer.topics.rollups, config.registry.url, {
          min: expected.length,
          quietMs: 1_000,
        });
        const byKey = new Map<string, Emitted>();
        for (const r of records) {
          const k = keyOf(r.granularity, r.event_id, r.zone, r.window_start);
          if ((byKey.get(k)?.revision ?? -1) <= r.revision) byKey.set(k, r);
        }
        return expected.every((e) => byKey.has(keyOf(e.granularity, e.event_id, e.zone, e.start))) ? byKey : undefined;
      },
      90_000,
    );
    expect(latest.size).toBe(expected.length);
    for (const e of expected) {
      const r = latest.get(keyOf(e.granularity, e.event_id, e.zone, e.start))!;
      const ctx = `${e.granularity} ${e.event_id}/${e.zone}/${new Date(e.start).toISOString()}`;
      for (const col of [
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
      ] as const) {
        expect(r[col], `${ctx} ${col}`).toBe(e[col]);
      }
      for (const col of ['avg_price_cents', 'tickets_avg', 'listings_avg'] as const) {
        if (e[col] === null) expect(r[col], `${ctx} ${col}`).toBeNull();
        else expect(r[col], `${ctx} ${col}`).toBeCloseTo(e[col]!, 6);
      }
    }
  });

  it('a redelivery of everything (offsets reset to 0) changes nothing', async () => {
    await consumers!.stop();
    const before = await env.store.query<Row>('SELECT * FROM zone_hourly ORDER BY event_id, zone, hour');
    await rewindGroup(env.kafka, config.consumer.group, env.producer.topics.snapshots);
    consumers = await startConsumers({
      config,
      store: env.store,
      kafka: env.kafka,
      log: silentLogger,
      only: 'metrics',
    });
    await waitFor('redelivered records skipped', async () => consumers!.metrics.stats.skipped >= stream.length);
    expect(await count(env.store, 'SELECT count() AS n FROM snapshots')).toBe(distinct);
    expect(await env.store.query<Row>('SELECT * FROM zone_hourly ORDER BY event_id, zone, hour')).toEqual(before);
  });
});
