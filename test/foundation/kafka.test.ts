import { afterAll, describe, expect, it } from 'vitest';
import {
  createConsumer,
  createKafka,
  createProducer,
  deleteTopicsWithPrefix,
  ensureTopics,
} from '../../lib/kafka/client.ts';
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
    const admin = kafka.admin();
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: [names.snapshots, names.catalog] });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: names.catalog, configNames: ['cleanup.policy'] }],
    });
    await admin.disconnect();
    expect(md.topics.find((t) => t.name === names.snapshots)?.partitions).toHaveLength(3);
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('produces and consumes a keyed message', async () => {
    const topic = topicNames(cfg.kafka.topicPrefix).scrapeRequests;
    const producer = createProducer(kafka);
    await producer.connect();
    const value = `hello-${uniqueId()}`;
    await producer.send({ topic, messages: [{ key: 'evt-1', value }] });
    await producer.disconnect();

    const consumer = createConsumer(kafka, uniqueId('group-'));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({ key: message.key!.toString(), value: message.value!.toString() });
        },
      });
    });
    await consumer.disconnect();
    expect(received).toEqual({ key: 'evt-1', value });
  });
});
