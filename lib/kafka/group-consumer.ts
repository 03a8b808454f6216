// A consumer-group member as the project sees it: batches of one partition, offsets we resolve and
// commit ourselves, a seek, and the join notification. kafkajs stays behind this file (with
// native.ts); the exactly-once runner and its unit tests know only these types.
import type { Consumer } from 'kafkajs';
import { createConsumer, type Kafka } from './native.ts';
import { withHeartbeats } from './keep-alive.ts';

export interface InboundMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** One fetched batch of one partition, and the calls that act on it. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: InboundMessage[];
  /** Marks the fetch position: the next fetch starts after this offset. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** False once the member is stopping; stale once the partition was reassigned. */
  isRunning(): boolean;
  isStale(): boolean;
}

export interface GroupConsumer {
  /** Called on every (re)join of the group: the assignment may have changed. */
  onJoin(listener: () => void): void;
  /**
   * Starts fetching; `eachBatch` runs for one partition's batch at a time, or for up to
   * `partitionsAtOnce` partitions side by side (never two batches of one partition at once).
   */
  run(eachBatch: (batch: PartitionBatch) => Promise<void>): Promise<void>;
  /** The next fetch of the partition starts at `offset`. */
  seek(topic: string, partition: number, offset: string): void;
  /** Commits `offset` (the next one to read) for the group. */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** Leaves the group after the batch in hand. */
  disconnect(): Promise<void>;
}

export interface GroupConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  sessionTimeoutMs?: number;
  /** Batches of different partitions handled side by side (default 1). */
  partitionsAtOnce?: number;
}

/** Joins `groupId` on `topics`; nothing is committed unless commit() is called. */
export async function joinGroup(kafka: Kafka, opts: GroupConsumerOptions): Promise<GroupConsumer> {
  const consumer: Consumer = createConsumer(
    kafka,
    opts.groupId,
    opts.sessionTimeoutMs ? { sessionTimeout: opts.sessionTimeoutMs } : {},
  );
  await consumer.connect();
  await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning });
  return {
    onJoin: (listener) => void consumer.on(consumer.events.GROUP_JOIN, () => listener()),
    run: (eachBatch) =>
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: opts.partitionsAtOnce ?? 1,
        eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale }) =>
          // A write retried while ClickHouse is down can hold a batch for long: stay in the group meanwhile.
          withHeartbeats(heartbeat, () =>
            eachBatch({
              topic: batch.topic,
              partition: batch.partition,
              messages: batch.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value })),
              resolveOffset,
              heartbeat,
              isRunning,
              isStale,
            }),
          ),
      }),
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
    commit: (topic, partition, offset) => consumer.commitOffsets([{ topic, partition, offset }]),
    disconnect: () => consumer.disconnect(),
  };
}
