// Reading what a topic holds, through lib/kafka's raw reader (bytes and string headers).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { topicEndOffsets } from '../../lib/kafka/admin.ts';
import type { Kafka } from '../../lib/kafka/client.ts';
import { readRaw, readToEnd } from '../../lib/kafka/raw.ts';

/**
 * The values of `topic` decoded by a client that knows nothing but the registry's URL, the way a
 * downstream consumer would: once it holds at least `min` records and has not grown for `quietMs`
 * (so that records beyond those expected are seen too). Per partition in offset order.
 */
export async function readTopic<T>(
  kafka: Kafka,
  topic: string,
  registryUrl: string,
  opts: { min: number; quietMs?: number; timeoutMs?: number },
): Promise<T[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const total = async () => [...(await topicEndOffsets(kafka, topic)).values()].reduce((n, p) => n + p.high, 0n);
  let seen = await total();
  let since = Date.now();
  while (Date.now() < deadline && !(seen >= BigInt(opts.min) && Date.now() - since >= (opts.quietMs ?? 1_500))) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await total();
    if (now !== seen) [seen, since] = [now, Date.now()];
  }
  const registry = new SchemaRegistry({ host: registryUrl });
  const records = await readToEnd(kafka, topic, Math.max(10_000, deadline - Date.now()));
  return Promise.all(records.map(async (r) => (await registry.decode(r.value!)) as T));
}

/** The headers of the first `min` records of `topic` (a dead-letter topic: values stay raw). */
export async function readHeaders(
  kafka: Kafka,
  topic: string,
  min: number,
  timeoutMs = 60_000,
): Promise<Array<Record<string, string>>> {
  const records = await readRaw(kafka, topic, { until: (r) => r.length >= min, timeoutMs });
  return records.map((r) => r.headers);
}

/** The keys of the first `min` records of `topic`, as strings. */
export async function readKeys(kafka: Kafka, topic: string, min: number, timeoutMs = 60_000): Promise<string[]> {
  const records = await readRaw(kafka, topic, { until: (r) => r.length >= min, timeoutMs });
  return records.map((r) => r.key?.toString() ?? '');
}
