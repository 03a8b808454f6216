// Shared set-up for consumer tests: a migrated embedded store, topics, a snapshot producer.
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { prepareReplay, ReplayRefusedError, type ReplayPlan } from '../../consumers/replay.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import type { Config } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot } from '../../lib/model.ts';

export async function setUpPipeline(config: Config) {
  const store = await createStore(config.clickhouse);
  await ensureSchema(store);
  const kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka);
  const producer = new AvroProducer(kafka, config, ['snapshots', 'catalog', 'scrapeJobs', 'scrapeLogs']);
  await producer.start();
  return { store, kafka, producer };
}

export async function produceSnapshots(producer: AvroProducer, snapshots: ListingSnapshot[]): Promise<void> {
  for (let i = 0; i < snapshots.length; i += 50) {
    await producer.send(
      'snapshots',
      snapshots.slice(i, i + 50).map((s) => ({ key: s.event_id, value: s })),
    );
  }
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * `tws replay`'s preparation once the stopped consumer has left its group (Kafka refuses to move a
 * live group's offsets). Only that refusal is waited out; any other failure fails the test at once.
 */
export async function prepareReplayWhenIdle(
  env: { store: Store; kafka: Awaited<ReturnType<typeof setUpPipeline>>['kafka'] },
  group: string | string[],
  plan: ReplayPlan,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await prepareReplay(env.store, env.kafka, group, plan);
    } catch (err) {
      if (!(err instanceof ReplayRefusedError) || Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const count = async (store: Store, sql: string, params?: Record<string, unknown>) =>
  Number((await store.query<{ n: number }>(sql, params))[0]?.n ?? 0);
