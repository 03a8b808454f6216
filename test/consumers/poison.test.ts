// Poison records go to the dead-letter topic with their error and origin in headers, and the good
// records after them are processed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../../lib/kafka/raw.ts';
import { readHeaders } from '../support/read-topic.ts';
import { DLQ_HEADERS } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { count, produceSnapshots, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { knownStream } from '../support/stream.ts';

const config = testConfig({ TWS_MAX_RECORD_BYTES: String(1024 * 1024) });
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService;
const good = knownStream({ events: 1, hours: 2, scrapesPerHour: 2, seed: 3 }).filter(
  (s, i, all) => all.findIndex((x) => x.snapshot_id === s.snapshot_id) === i,
);

beforeAll(async () => {
  env = await setUpPipeline(config);
  const topic = env.producer.topics.snapshots;
  const valid = await env.producer.codec.encode(topic, good[0]!);
  const wrongId = Buffer.from(valid);
  wrongId.writeInt32BE(987654, 1);
  const impossible = await env.producer.codec.encode(topic, {
    ...good[0]!,
    snapshot_id: 'x',
    scraped_at: Date.UTC(1990, 0, 1),
  });
  // All on the same key (partition) as the good records, before and between them.
  await sendRaw(env.kafka, topic, [{ key: 'evt-0', value: Buffer.from([1, 2, 3, 4, 5, 6, 7]) }]);
  await produceSnapshots(env.producer, good.slice(0, 2));
  await sendRaw(env.kafka, topic, [
    { key: 'evt-0', value: wrongId },
    { key: 'evt-0', value: impossible },
    { key: 'evt-0', value: Buffer.concat([valid.subarray(0, 5), Buffer.alloc(3 * 1024 * 1024, 7)]) },
    { key: 'evt-0', value: null },
  ]);
  await produceSnapshots(env.producer, good.slice(2));
  consumers = await startConsumers({ config, store: env.store, kafka: env.kafka, log: silentLogger, only: 'metrics' });
}, 120_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

describe('poison records', () => {
  it('processes every good record, the ones after the poison included', async () => {
    await waitFor(
      'good snapshots',
      async () => (await count(env.store, 'SELECT count() AS n FROM snapshots')) === good.length,
    );
    // The range's rows are visible before its ledger `after` row and the counters: wait for those too.
    await waitFor('the range to finish', async () => consumers.metrics.stats.deadLettered === 5, 10_000).catch(
      () => {},
    );
    expect(consumers.metrics.stats.deadLettered).toBe(5);
  });

  it('sends each poison record to the dead-letter topic with its error and origin', async () => {
    const seen = await readHeaders(env.kafka, env.producer.topics.deadLetter, 5);
    const reasons = seen.map((h) => h[DLQ_HEADERS.reason]).sort();
    expect(reasons).toEqual(['decode', 'decode', 'invalid', 'oversized', 'schema']);
    for (const h of seen) {
      expect(h[DLQ_HEADERS.topic]).toBe(env.producer.topics.snapshots);
      expect(Number(h[DLQ_HEADERS.offset])).toBeGreaterThanOrEqual(0);
      expect(h[DLQ_HEADERS.partition]).toMatch(/^\d+$/);
      expect(h[DLQ_HEADERS.error]!.length).toBeGreaterThan(5);
    }
  });
});
