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
