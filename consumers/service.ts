// Wires the stream consumers: the metrics consumer (snapshots -> metrics, rollups, side outputs),
// the lifecycle consumer (the same snapshots -> listing changes, at its own pace) and the operations
// consumer (catalog, jobs, logs). Each is its own Kafka consumer group and scales out as one.
import { DEFAULT_INGEST_LANES, type Config } from '../lib/config.ts';
import type { Store } from '../lib/clickhouse/store.ts';
import { AvroProducer } from '../lib/kafka/avro-producer.ts';
import { ensureTopics, type Kafka } from '../lib/kafka/client.ts';
import type { Logger } from '../lib/logger.ts';
import { LifecycleHandler } from './lifecycle/handler.ts';
import { OpsHandler } from './ops/handler.ts';
import { BatchRunner } from './runner/batch-runner.ts';
import { SnapshotHandler } from './snapshots/handler.ts';
import type { SnapshotRecord } from './snapshots/header.ts';

export type ConsumerName = 'metrics' | 'lifecycle' | 'ops';

export interface ConsumerService {
  metrics: BatchRunner<SnapshotRecord>;
  lifecycle: BatchRunner<SnapshotRecord>;
  ops: BatchRunner<never>;
  handler: SnapshotHandler;
  producer: AvroProducer;
  stop(timeoutMs?: number): Promise<void>;
}

export const metricsGroup = (cfg: Config) => cfg.consumer.group;
export const lifecycleGroup = (cfg: Config) => `${cfg.consumer.group}-lifecycle`;
export const opsGroup = (cfg: Config) => `${cfg.consumer.group}-ops`;
/** The groups that consume the snapshot topic (a replay rewinds both). */
export const snapshotGroups = (cfg: Config) => [metricsGroup(cfg), lifecycleGroup(cfg)];

export async function startConsumers(deps: {
  config: Config;
  store: Store;
  kafka: Kafka;
  log: Logger;
  /** The consumers to run (default: all three). */
  only?: ConsumerName | ConsumerName[];
}): Promise<ConsumerService> {
  const { config, store, kafka, log } = deps;
  const outputs = ['zoneMetrics', 'rollups', 'listingChanges', 'deadLetter'] as const;
  // A missing output topic would stall every range after its write (the producer waits for the
  // topic's metadata, times out, and the range is retried forever): create what is missing first.
  await ensureTopics(kafka, config.kafka, [...outputs]);
  const producer = new AvroProducer(kafka, config, [...outputs]);
  await producer.start();
  const common = {
    kafka,
    store,
    codec: producer.codec,
    dlq: producer,
    log,
    maxRangeRecords: config.consumer.batchMaxSnapshots,
    sessionTimeoutMs: config.consumer.sessionTimeoutMs,
    maxRecordBytes: config.consumer.maxRecordBytes,
  };
  const handler = new SnapshotHandler({
    config,
    store,
    codec: producer.codec,
    producer,
    log,
    group: metricsGroup(config),
  });
  const metrics = new BatchRunner<SnapshotRecord>({
    ...common,
    name: 'metrics-consumer',
    group: metricsGroup(config),
    topics: [producer.topics.snapshots],
    handler,
    partitionsAtOnce: config.consumer.ingestLanes ?? DEFAULT_INGEST_LANES.alone,
  });
  const lifecycle = new BatchRunner<SnapshotRecord>({
    ...common,
    name: 'lifecycle-consumer',
    group: lifecycleGroup(config),
    topics: [producer.topics.snapshots],
    handler: new LifecycleHandler({ config, store, codec: producer.codec, producer }),
    sendsDeadLetters: false,
    maxRangeRecords: config.consumer.lifecycleBatchMaxSnapshots,
  });
  const ops = new BatchRunner<never>({
    ...common,
    name: 'ops-consumer',
    group: opsGroup(config),
    topics: [producer.topics.catalog, producer.topics.scrapeJobs, producer.topics.scrapeLogs],
    handler: new OpsHandler(producer.topics) as never,
    maxRangeRecords: 5_000,
  });
  const run = (name: ConsumerName) => deps.only === undefined || [deps.only].flat().includes(name);
  if (run('metrics')) await metrics.start();
  if (run('lifecycle')) await lifecycle.start();
  if (run('ops')) await ops.start();
  return {
    metrics,
    lifecycle,
    ops,
    handler,
    producer,
    async stop(timeoutMs = 15_000) {
      await Promise.all([metrics.stop(timeoutMs), lifecycle.stop(timeoutMs), ops.stop(timeoutMs)]);
      await producer.stop();
    },
  };
}
