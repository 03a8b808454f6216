// Streams for the chaos scenarios: known snapshots placed in the recent past, produced at a steady
// pace by the project's own Avro producer, with every batch retried until Kafka acknowledges it (a
// batch whose acknowledgement was lost may land twice: the consumers drop the copy by snapshot id).
import type { AvroProducer } from '../../../lib/kafka/avro-producer.ts';
import { committedOffsets, topicEndOffsets } from '../../../lib/kafka/admin.ts';
import type { Kafka } from '../../../lib/kafka/client.ts';
import { readToEnd } from '../../../lib/kafka/raw.ts';
import type { AvroCodec } from '../../../lib/registry/codec.ts';
import type { ListingSnapshot } from '../../../lib/model.ts';
import { uniqueId } from '../../helpers/env.ts';
import { knownStream } from '../../support/stream.ts';
import { sleep } from './children.ts';

/**
 * `knownStream` (out-of-order scrapes, redeliveries, bad prices, a fat-finger) ending in the current
 * hour, interleaved across events so that every partition keeps receiving records; the order of
 * each event's snapshots, which the outlier reference depends on, is kept.
 */
export function recentStream(shape: { events: number; hours: number; scrapesPerHour: number; seed: number }) {
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - (shape.hours - 1) * 3_600_000;
  const stream = knownStream({ ...shape, start });
  // Ids must be unique across scenarios sharing a broker: prefix them with a run tag.
  const tag = uniqueId('c');
  for (const s of stream) if (!s.snapshot_id.startsWith(tag)) s.snapshot_id = `${tag}-${s.snapshot_id}`;
  return interleave(stream);
}

/** Round-robin over events, keeping each event's own order. */
export function interleave(stream: ListingSnapshot[]): ListingSnapshot[] {
  const byEvent = new Map<string, ListingSnapshot[]>();
  for (const s of stream) {
    const list = byEvent.get(s.event_id) ?? [];
    list.push(s);
    byEvent.set(s.event_id, list);
  }
  const lists = [...byEvent.values()];
  const out: ListingSnapshot[] = [];
  for (let i = 0; out.length < stream.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

export interface PacedRun {
  /** Snapshots acknowledged by Kafka so far, in production order. */
  acked: ListingSnapshot[];
  /** Failed send attempts (each retried). */
  failedSends: number;
  /** Time of every acknowledgement batch: [ms, snapshots acked so far]. */
  ackTimes: Array<[number, number]>;
  /** Ask the producer to finish after the batch in hand. */
  stop(): void;
  done: Promise<void>;
}

/**
 * Produces `snapshots` at `perSecond`, in batches of `batch`, until all are acknowledged or
 * `stop()` is called. A failed batch is sent again after `retryMs` until Kafka takes it.
 */
export function producePaced(
  producer: AvroProducer,
  snapshots: readonly ListingSnapshot[],
  opts: { perSecond: number; batch?: number; retryMs?: number; onError?: (err: unknown) => void },
): PacedRun {
  const batch = opts.batch ?? 5;
  let stopped = false;
  const run: PacedRun = {
    acked: [],
    failedSends: 0,
    ackTimes: [],
    stop: () => (stopped = true),
    done: Promise.resolve(),
  };
  run.done = (async () => {
    const t0 = Date.now();
    for (let i = 0; i < snapshots.length && !stopped; i += batch) {
      const chunk = snapshots.slice(i, i + batch);
      for (;;) {
        try {
          await producer.send(
            'snapshots',
            chunk.map((s) => ({ key: s.event_id, value: s })),
          );
          break;
        } catch (err) {
          run.failedSends++;
          opts.onError?.(err);
          await sleep(opts.retryMs ?? 500);
        }
      }
      run.acked.push(...chunk);
      run.ackTimes.push([Date.now(), run.acked.length]);
      const due = t0 + ((i + batch) / opts.perSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();
  return run;
}

/** Committed offsets of a group on a topic, summed over partitions (unset partitions count 0). */
export async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const committed = await committedOffsets(kafka, groupId, topic);
  return [...committed.values()].reduce((n, o) => n + Number(o ?? 0n), 0);
}

/** The end offsets of a topic, summed over partitions: records ever written to it. */
export async function endOffsetsTotal(kafka: Kafka, topic: string): Promise<number> {
  return [...(await topicEndOffsets(kafka, topic)).values()].reduce((n, p) => n + Number(p.high), 0);
}

export interface TopicRecord<T> {
  partition: number;
  offset: number;
  value: T | undefined;
  raw: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Every record of `topic` up to its current end, per partition in offset order (so per key in
 * production order). Values are decoded with `codec` when given; undecodable ones are undefined.
 */
export async function readTopic<T>(
  kafka: Kafka,
  topic: string,
  codec?: AvroCodec,
  timeoutMs = 120_000,
): Promise<TopicRecord<T>[]> {
  const records = await readToEnd(kafka, topic, timeoutMs);
  return Promise.all(
    records.map(async (r) => ({
      partition: r.partition,
      offset: Number(r.offset),
      value: codec ? await codec.decode<T>(r.value).catch(() => undefined) : undefined,
      raw: r.value,
      headers: r.headers,
    })),
  );
}
