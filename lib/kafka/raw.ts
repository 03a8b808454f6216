// Records as bytes on the wire, without the registry: for tools and tests that must write exactly
// the bytes they mean (poison records, foreign formats) or read what a topic holds (the dead-letter
// topic, other producers' records). Everyday code goes through AvroProducer and the consumers.
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { deleteConsumerGroup, topicEndOffsets } from './admin.ts';
import { createConsumer, createProducer, type Kafka } from './native.ts';

export interface RawMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
  partition?: number;
}

export interface RawRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** Headers as strings (the first value of a repeated header). */
  headers: Record<string, string>;
  /** The record's timestamp, ms. */
  timestamp: number;
}

export interface RawProducer {
  /** Writes `messages` to `topic` as they are (acks=all); where each batch landed. */
  send(topic: string, messages: RawMessage[]): Promise<Array<{ partition: number; baseOffset: bigint }>>;
  close(): Promise<void>;
}

/** A connected producer of raw records, with the project's producer settings. */
export async function rawProducer(kafka: Kafka): Promise<RawProducer> {
  const producer = createProducer(kafka);
  await producer.connect();
  return {
    async send(topic, messages) {
      const md = await producer.send({ topic, messages, acks: -1 });
      return md.map((m) => ({ partition: m.partition, baseOffset: BigInt(m.baseOffset ?? '-1') }));
    },
    close: () => producer.disconnect().catch(() => {}),
  };
}

/** Writes `messages` to `topic` as they are, once, with a producer of its own. */
export async function sendRaw(kafka: Kafka, topic: string, messages: RawMessage[]): Promise<void> {
  const producer = await rawProducer(kafka);
  try {
    await producer.send(topic, messages);
  } finally {
    await producer.close();
  }
}

function toRaw(partition: number, m: KafkaMessage): RawRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = first.toString();
  }
  return { partition, offset: BigInt(m.offset), key: m.key, value: m.value, headers, timestamp: Number(m.timestamp) };
}

export interface RawTail {
  stop(): Promise<void>;
}

/**
 * Follows `topic` from its beginning with a throwaway consumer group (deleted on stop), handing
 * over each batch's records in offset order.
 */
export async function tailRaw(
  kafka: Kafka,
  topic: string,
  onRecords: (records: RawRecord[]) => void | Promise<void>,
): Promise<RawTail> {
  const groupId = `tws-reader-${randomUUID()}`;
  const consumer = createConsumer(kafka, groupId);
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => onRecords(batch.messages.map((m) => toRaw(batch.partition, m))),
    });
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw err;
  }
  return {
    async stop() {
      await consumer.disconnect().catch(() => {});
      await deleteConsumerGroup(kafka, groupId);
    },
  };
}

export interface ReadOptions {
  /** Stop once this says so, over everything read so far (per partition in offset order). */
  until: (records: readonly RawRecord[]) => boolean;
  timeoutMs?: number;
}

/** Reads `topic` from its beginning until `until` holds; rejects after `timeoutMs` saying how far it got. */
export async function readRaw(kafka: Kafka, topic: string, opts: ReadOptions): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let done!: () => void;
  const satisfied = new Promise<void>((resolve) => (done = resolve));
  const check = () => opts.until(records) && done();
  const tail = await tailRaw(kafka, topic, (batch) => {
    records.push(...batch);
    check();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    check();
    await Promise.race([
      satisfied,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic}: ${records.length} record(s) after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await tail.stop();
  }
  return records;
}

/** Every record of `topic` up to its end as of now, per partition in offset order. */
export async function readToEnd(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<RawRecord[]> {
  const ends = await topicEndOffsets(kafka, topic);
  const before = (r: RawRecord) => r.offset < (ends.get(r.partition)?.high ?? 0n);
  // Done when every non-empty partition has delivered its last offset (compaction leaves gaps).
  const upTo = (records: readonly RawRecord[]) =>
    [...ends].every(
      ([p, { low, high }]) => low === high || records.some((r) => r.partition === p && r.offset === high - 1n),
    );
  const records = await readRaw(kafka, topic, { until: upTo, timeoutMs });
  return records
    .filter(before)
    .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}
