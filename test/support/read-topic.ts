// Reads a topic from the beginning with a client that knows nothing but the registry's URL, the
// way a downstream consumer would.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createConsumer, type Kafka } from '../../lib/kafka/client.ts';
import { uniqueId } from '../helpers/env.ts';

export async function readTopic<T>(
  kafka: Kafka,
  topic: string,
  registryUrl: string,
  opts: { min: number; quietMs?: number; timeoutMs?: number },
): Promise<T[]> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const consumer = createConsumer(kafka, uniqueId('reader-'));
  const out: T[] = [];
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push((await registry.decode(message.value!)) as T);
      last = Date.now();
    },
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  // Enough records, and nothing new for a moment.
  while (Date.now() < deadline && !(out.length >= opts.min && Date.now() - last > (opts.quietMs ?? 1_500))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return out;
}

/** Reads the headers of at least `min` records of `topic` (a dead-letter topic: values stay raw). */
export async function readHeaders(
  kafka: Kafka,
  topic: string,
  min: number,
  timeoutMs = 60_000,
): Promise<Array<Record<string, string>>> {
  const consumer = createConsumer(kafka, uniqueId('headers-'));
  const out: Array<Record<string, string>> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])));
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && out.length < min) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}

/** Reads the keys of at least `min` records of `topic`, as strings. */
export async function readKeys(kafka: Kafka, topic: string, min: number, timeoutMs = 60_000): Promise<string[]> {
  const consumer = createConsumer(kafka, uniqueId('keys-'));
  const out: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => void out.push(message.key?.toString() ?? ''),
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && out.length < min) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}
