// While ClickHouse rejects writes the consumer pauses, retries with backoff and commits nothing;
// then it catches up with nothing lost. SIGTERM-style stop finishes and leaves the group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedOffsets } from '../../lib/kafka/admin.ts';
import { silentLogger } from '../../lib/logger.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { count, produceSnapshots, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { knownStream } from '../support/stream.ts';

const config = testConfig({ TWS_BATCH_MAX_SNAPSHOTS: '5' });
const stream = knownStream({ events: 2, hours: 3, scrapesPerHour: 3, seed: 9 }).filter(
  (s, i, all) => all.findIndex((x) => x.snapshot_id === s.snapshot_id) === i,
);
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService;

async function committed(): Promise<number> {
  const offsets = await committedOffsets(env.kafka, config.consumer.group, env.producer.topics.snapshots);
  return [...offsets.values()].reduce((n, o) => n + Number(o ?? 0n), 0);
}

beforeAll(async () => {
  env = await setUpPipeline(config);
  consumers = await startConsumers({ config, store: env.store, kafka: env.kafka, log: silentLogger, only: 'metrics' });
  await produceSnapshots(env.producer, stream.slice(0, 4));
  await waitFor('first records', async () => (await count(env.store, 'SELECT count() AS n FROM snapshots')) === 4);
}, 120_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

describe('backpressure', () => {
  it('pauses and commits nothing while ClickHouse is down, then catches up without loss', async () => {
    const before = await waitFor('offsets committed', async () => ((await committed()) === 4 ? 4 : undefined));
    env.store.faults.fail(['write']);
    await produceSnapshots(env.producer, stream.slice(4));
    await waitFor('the sink to back off', async () => consumers.metrics.state === 'backing-off');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await committed()).toBe(before);
    expect(consumers.metrics.stats.retries).toBeGreaterThan(0);
    env.store.faults.clear();
    await waitFor(
      'catch-up',
      async () => (await count(env.store, 'SELECT count() AS n FROM snapshots')) === stream.length,
    );
    expect(await count(env.store, 'SELECT uniqExact(snapshot_id) AS n FROM zone_snapshots')).toBe(stream.length);
    await waitFor('offsets committed after catch-up', async () => (await committed()) === stream.length);
  });

  // Regression (chaos suite, store outage): a failed read in the handler's duplicate lookup was
  // thrown to kafkajs, which retried the batch on top of the range state the failed attempt had
  // left behind; those records were never written.
  it('backs off through a full outage (reads rejected too), then writes what arrived during it', async () => {
    const more = knownStream({ events: 1, hours: 2, scrapesPerHour: 3, seed: 77 })
      .filter((s, i, all) => all.findIndex((x) => x.snapshot_id === s.snapshot_id) === i)
      .map((s) => ({ ...s, snapshot_id: `outage-${s.snapshot_id}` }));
    const before = await count(env.store, 'SELECT count() AS n FROM snapshots');
    env.store.faults.fail(['read', 'write']);
    const retries = consumers.metrics.stats.retries;
    await produceSnapshots(env.producer, more);
    await waitFor('the sink to back off', async () => consumers.metrics.state === 'backing-off');
    await new Promise((r) => setTimeout(r, 4_000));
    expect(consumers.metrics.stats.retries).toBeGreaterThan(retries);
    env.store.faults.clear();
    await waitFor(
      'catch-up after the full outage',
      async () => (await count(env.store, 'SELECT count() AS n FROM snapshots')) === before + more.length,
    );
    expect(await count(env.store, 'SELECT count() AS n FROM snapshots')).toBe(before + more.length);
  });

  it('stops on request even while ClickHouse is down', async () => {
    env.store.faults.fail(['write']);
    await produceSnapshots(env.producer, knownStream({ events: 1, hours: 1, scrapesPerHour: 2, seed: 99 }).slice(0, 2));
    await waitFor('the sink to back off', async () => consumers.metrics.state === 'backing-off');
    await consumers.stop(10_000);
    expect(consumers.metrics.state).toBe('stopped');
    env.store.faults.clear();
  });
});
