import { afterAll, describe, expect, it } from 'vitest';
import { describeTopic } from '../../lib/kafka/admin.ts';
import { createKafka, deleteTopicsWithPrefix, ensureTopics } from '../../lib/kafka/client.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { readRaw, sendRaw } from '../../lib/kafka/raw.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ScrapeOutcome } from '../../lib/model.ts';
import { scrapeOutcome } from '../../producers/outcome.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { readTopic } from '../support/read-topic.ts';

const cfg = testConfig();
const kafka = createKafka(cfg.kafka, silentLogger);

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, cfg.kafka.topicPrefix);
});

describe('real Kafka broker (KRaft)', () => {
  it('creates the project topics with explicit partitions and compaction', async () => {
    const created = await ensureTopics(kafka, cfg.kafka);
    const names = topicNames(cfg.kafka.topicPrefix);
    expect(created).toContain(names.snapshots);
    // Idempotent: a second call creates nothing.
    expect(await ensureTopics(kafka, cfg.kafka)).toEqual([]);
    expect((await describeTopic(kafka, names.snapshots, [])).partitions).toBe(3);
    expect((await describeTopic(kafka, names.catalog, ['cleanup.policy'])).config['cleanup.policy']).toBe('compact');
  });

  it('produces and consumes a keyed message', async () => {
    const topic = topicNames(cfg.kafka.topicPrefix).scrapeRequests;
    const value = `hello-${uniqueId()}`;
    await sendRaw(kafka, topic, [{ key: 'evt-1', value, headers: { origin: 'test' } }]);
    const [received] = await readRaw(kafka, topic, { until: (r) => r.length >= 1, timeoutMs: 30_000 });
    expect({
      key: received!.key?.toString(),
      value: received!.value?.toString(),
      headers: received!.headers,
    }).toEqual({ key: 'evt-1', value, headers: { origin: 'test' } });
  });

  it('publishes a list longer than one produce request in full, each key in order', async () => {
    // AvroProducer.send encodes in time slices and sends in chunks of 1,000: 2,500 records, 3 keys.
    await ensureTopics(kafka, cfg.kafka);
    const producer = new AvroProducer(kafka, cfg, ['scrapeOutcomes']);
    const N = 2_500;
    try {
      await producer.send(
        'scrapeOutcomes',
        Array.from({ length: N }, (_, i) => ({
          key: `evt-${i % 3}`,
          value: scrapeOutcome({ job_id: `job-${i}`, event_id: `evt-${i % 3}` }, 'w', 1_700_000_000_000 + i, {
            status: 'ok',
            attempts: 1,
            retries: 0,
            snapshotId: `snap-${i}`,
            listings: 0,
            rejected: 0,
          }),
        })),
      );
    } finally {
      await producer.stop();
    }
    const got = await readTopic<ScrapeOutcome>(kafka, producer.topics.scrapeOutcomes, cfg.registry.url, {
      min: N,
      quietMs: 500,
    });
    expect(new Set(got.map((o) => o.job_id)).size).toBe(N);
    expect(got).toHaveLength(N);
    for (const evt of ['evt-0', 'evt-1', 'evt-2']) {
      const times = got.filter((o) => o.event_id === evt).map((o) => o.finished_at);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });
});
