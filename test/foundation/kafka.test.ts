import { afterAll, describe, expect, it } from 'vitest';
import { describeTopic } from '../../lib/kafka/admin.ts';
import { createKafka, deleteTopicsWithPrefix, ensureTopics } from '../../lib/kafka/client.ts';
import { readRaw, sendRaw } from '../../lib/kafka/raw.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';

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
});
