// A small at-least-once consumer of one Avro topic, for the control topics (scrape requests and
// outcomes, the catalog). Records of a fetched batch are handled with bounded concurrency, and the
// batch's offsets are committed only when all of them are done. A record that does not decode is
// handed to `onPoison` (normally the dead-letter topic) and skipped; an unreachable registry or
// a retriable handler error is thrown, so kafkajs re-fetches the batch after a backoff.
import pLimit from 'p-limit';
import { PoisonRecordError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AvroCodec } from '../registry/codec.ts';
import type { InboundMessage } from './group-consumer.ts';
import { createConsumer, type Kafka } from './native.ts';
import { withHeartbeats } from './keep-alive.ts';
import { checkRecordSize, validateOrPoison } from './record-checks.ts';

export interface RecordMeta {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

export interface AvroConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topic: string;
  codec: AvroCodec;
  log: Logger;
  fromBeginning?: boolean;
  concurrency?: number;
  /** Largest record accepted (TWS_MAX_RECORD_BYTES); larger ones are poison. */
  maxRecordBytes?: number;
  /** Throws PoisonRecordError('invalid') for values no producer of the topic could have written. */
  validate?: (value: T) => void;
  /**
   * Handles one record. `signal` aborts when stop() is called: a handler should end its work early
   * then; whatever it returns, the batch is not committed, so the records go to another member.
   */
  onRecord: (value: T, meta: RecordMeta, signal: AbortSignal) => Promise<void>;
  onPoison: (err: PoisonRecordError, message: InboundMessage, meta: RecordMeta) => Promise<void>;
}

export interface RunningConsumer {
  /** Resolves once the consumer has joined its group and has partitions assigned (or none). */
  joined: Promise<void>;
  /** Resolves after the first fetch that followed the join: from here on no new record is missed. */
  fetching: Promise<void>;
  stop(): Promise<void>;
}

export async function startAvroConsumer<T>(opts: AvroConsumerOptions<T>): Promise<RunningConsumer> {
  const consumer = createConsumer(opts.kafka, opts.groupId);
  let markJoined!: () => void;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  let markFetching!: () => void;
  const fetching = new Promise<void>((resolve) => (markFetching = resolve));
  let hasJoined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    hasJoined = true;
    markJoined();
  });
  consumer.on(consumer.events.FETCH, () => {
    if (hasJoined) markFetching();
  });
  const limit = pLimit(opts.concurrency ?? 1);
  const stopping = new AbortController();
  await consumer.connect();
  await consumer.subscribe({ topics: [opts.topic], fromBeginning: opts.fromBeginning ?? false });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const jobs = batch.messages.map((message) =>
        limit(async () => {
          if (stopping.signal.aborted || !isRunning() || isStale()) return;
          const meta: RecordMeta = {
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
          };
          let value: T;
          try {
            checkRecordSize(message.value, opts.maxRecordBytes);
            value = await opts.codec.decode<T>(message.value, batch.topic);
            const decoded = value;
            if (opts.validate) validateOrPoison(() => opts.validate!(decoded));
          } catch (err) {
            if (err instanceof PoisonRecordError) return opts.onPoison(err, message, meta);
            throw err;
          }
          await opts.onRecord(value, meta, stopping.signal);
        }),
      );
      // A batch of rate-limited scrapes can take minutes: stay in the group meanwhile.
      await withHeartbeats(heartbeat, () => Promise.all(jobs));
      if (stopping.signal.aborted || !isRunning() || isStale()) return;
      const last = batch.messages.at(-1);
      if (last) {
        resolveOffset(last.offset);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
      }
      await heartbeat();
    },
  });
  return {
    joined,
    fetching,
    async stop() {
      // First end the handlers' work (queued records return at once, running ones see the signal),
      // so that disconnect, which waits for the batch in hand, does not wait for a rate-limited queue.
      stopping.abort(new Error('consumer stopping'));
      await consumer.disconnect().catch(() => {});
    },
  };
}
