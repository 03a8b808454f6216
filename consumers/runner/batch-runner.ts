// The consumer loop behind every ClickHouse sink: at-least-once consumption plus idempotent inserts,
// which together give exactly-once rows (docs/exactly-once.md).
//
// Per partition, records are gathered into ranges [first, last]. A range is written as:
//   1. poison records -> dead-letter topic; pre-write side outputs (handler.beforeWrite)
//   2. ledger `before first..last`   3. every table insert with token group:topic:partition:first-last:table
//   4. ledger `after first..last`    5. post-write side outputs   6. commit last+1 to Kafka
// On (re)assignment the ledger decides where to resume: after an `after` range, skip through it;
// after a `before` range, rebuild exactly that range and write it again (ClickHouse drops the
// blocks that had landed). While ClickHouse is unavailable the loop retries with backoff and keeps
// its group membership, committing nothing.
//
// States: idle -> running <-> backing-off -> stopping -> stopped. Error cases, all handled here:
//   - undecodable / unknown schema / invalid / oversized record -> dead-letter topic, carry on
//   - registry or ClickHouse unreachable (retriable)            -> backoff and retry, no commit
//   - ClickHouse rejects the data (non-retriable)                -> backoff and retry, alert in log
//   - rebalance while retrying (stale batch)                     -> drop the batch, the new owner replays
//   - commit fails (rebalance in progress)                       -> ignored: the ledger covers it
import type { Store } from '../../lib/clickhouse/store.ts';
import { PoisonRecordError, errorMessage, isRetriable } from '../../lib/errors.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import {
  createConsumer,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
} from '../../lib/kafka/client.ts';
import { checkRecordSize, validateOrPoison } from '../../lib/kafka/record-checks.ts';
import { deadLetterHeaders } from '../../lib/kafka/topics.ts';
import type { Logger } from '../../lib/logger.ts';
import { recordsConsumed, rowsWritten, sinkBackpressure } from '../../lib/metrics.ts';
import type { AvroCodec } from '../../lib/registry/codec.ts';
import { backoffDelay, sleep } from '../../lib/retry.ts';
import { OffsetLedger } from './offset-ledger.ts';

export interface SourceRecord<T> {
  value: T;
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
}

export interface Prepared {
  /** `columns`: rows are arrays in that order (see InsertOptions.columns). */
  inserts: Array<{ table: string; rows: object[]; columns?: readonly string[] }>;
  /** Side outputs that must not be lost: published before the ledger says `after`. */
  beforeWrite?: () => Promise<void>;
  /** Side outputs that need the written data (e.g. closed-window rollups). */
  afterWrite?: () => Promise<void>;
}

export interface BatchHandler<T> {
  /** Throws PoisonRecordError('invalid') for impossible values. */
  validate?(value: T, topic: string): void;
  /** May be retried after a failure: do every read before changing any state of the handler. */
  prepare(records: SourceRecord<T>[], where: { topic: string; partition: number }): Promise<Prepared>;
  /** Called once per partition after (re)assignment, before its first range. */
  onPartitionLoaded?(topic: string, partition: number): Promise<void>;
  /** Called when the runner is idle and caught up (e.g. to close windows of quiet partitions). */
  onIdle?(): Promise<void>;
}

export interface RunnerOptions<T> {
  name: string;
  kafka: Kafka;
  store: Store;
  codec: AvroCodec;
  dlq: AvroProducer;
  group: string;
  topics: string[];
  handler: BatchHandler<T>;
  log: Logger;
  maxRangeRecords: number;
  maxRecordBytes?: number;
  retry?: { initialDelayMs: number; maxDelayMs: number };
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

interface PartitionState {
  loaded: boolean;
  /** Offsets at or below this are already in ClickHouse. */
  skipThrough: bigint;
  /** A `before` range found in the ledger, to be rebuilt exactly. */
  replay?: { first: bigint; last: bigint };
  pending: KafkaMessage[];
  epoch: number;
  /** Whether the fetch position was checked against the ledger since the last (re)load. */
  positioned: boolean;
}

export type RunnerState = 'idle' | 'running' | 'backing-off' | 'stopping' | 'stopped';

export class BatchRunner<T> {
  state: RunnerState = 'idle';
  private consumer?: Consumer;
  private readonly ledger: OffsetLedger;
  private readonly partitions = new Map<string, PartitionState>();
  private idleTimer?: NodeJS.Timeout;
  private lastBatchAt = Date.now();
  /** Ranges being written right now; the idle hook waits for none (a slow write is not idleness). */
  private flushing = 0;
  /** Group joins so far (each one is a rebalance this member took part in). */
  joins = 0;
  readonly stats = { ranges: 0, records: 0, deadLettered: 0, skipped: 0, retries: 0 };

  constructor(private readonly o: RunnerOptions<T>) {
    this.ledger = new OffsetLedger(o.store, o.group);
  }

  async start(): Promise<void> {
    const consumer = createConsumer(
      this.o.kafka,
      this.o.group,
      this.o.sessionTimeoutMs ? { sessionTimeout: this.o.sessionTimeoutMs } : {},
    );
    this.consumer = consumer;
    // Any (re)assignment may hand us partitions whose ledger moved on elsewhere: reload lazily.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.partitions.clear();
      this.joins++;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.o.topics, fromBeginning: this.o.fromBeginning ?? true });
    this.state = 'running';
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        try {
          await this.eachBatch(payload);
        } catch (err) {
          // Forget what we held for it: whoever handles the partition next (kafkajs' retry of this
          // batch, a restart, or the new owner) resumes from the ledger, never from a half-built range.
          this.partitions.delete(this.key(payload.batch.topic, payload.batch.partition));
          if (!(err instanceof StaleBatchError)) throw err;
        }
      },
    });
    if (this.o.handler.onIdle) {
      const tick = async () => {
        if (this.state !== 'running') return;
        // Idle = no fetch delivered records for a while, i.e. caught up: never during a replay.
        if (Date.now() - this.lastBatchAt >= 5_000 && this.flushing === 0)
          await this.o.handler.onIdle!().catch((err) =>
            this.o.log.warn({ err: errorMessage(err) }, `${this.o.name}: idle hook failed`),
          );
        this.idleTimer = setTimeout(tick, 1_000);
      };
      this.idleTimer = setTimeout(tick, 1_000);
    }
  }

  /** Finishes the batch in hand, commits, leaves the group. Bounded by `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const done = this.consumer?.disconnect().catch(() => {});
    await Promise.race([done, sleep(timeoutMs)]);
    this.state = 'stopped';
  }

  private key = (topic: string, partition: number) => `${topic}:${partition}`;

  private async partitionState(topic: string, partition: number, stale: () => boolean): Promise<PartitionState> {
    const k = this.key(topic, partition);
    let ps = this.partitions.get(k);
    if (ps?.loaded) return ps;
    const entry = await this.withRetry(`read ledger ${k}`, () => this.ledger.read(topic, partition), stale);
    ps = { loaded: true, skipThrough: -1n, pending: [], epoch: entry?.epoch ?? 0, positioned: false };
    if (entry?.phase === 'after') ps.skipThrough = entry.last;
    if (entry?.phase === 'before') {
      ps.skipThrough = entry.first - 1n;
      ps.replay = { first: entry.first, last: entry.last };
      this.o.log.warn(
        { topic, partition, first: String(entry.first), last: String(entry.last) },
        `${this.o.name}: replaying an unfinished range`,
      );
    }
    if (this.o.handler.onPartitionLoaded) {
      await this.withRetry(
        `load partition state ${k}`,
        () => this.o.handler.onPartitionLoaded!(topic, partition),
        stale,
      );
    }
    this.partitions.set(k, ps);
    return ps;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    if (batch.messages.length > 0) this.lastBatchAt = Date.now();
    const stale = () => !isRunning() || isStale() || this.state === 'stopping';
    const ps = await this.partitionState(topic, partition, stale);
    // The ledger, not the fetch position, says where this partition resumes. kafkajs continues
    // after the offsets it was told were resolved, which may lie past records we abandoned (a
    // stale batch) or never wrote: seek back once per (re)load, and only then trust a gap.
    const expected = ps.replay?.first ?? ps.skipThrough + 1n;
    const firstOffset = batch.messages[0] ? BigInt(batch.messages[0].offset) : undefined;
    if (!ps.positioned && firstOffset !== undefined && firstOffset > expected && expected >= 0n) {
      ps.positioned = true;
      this.consumer!.seek({ topic, partition, offset: expected.toString() });
      return;
    }
    if (firstOffset !== undefined && !ps.positioned) ps.positioned = true;
    else if (firstOffset !== undefined && firstOffset > expected && ps.pending.length === 0 && ps.skipThrough >= 0n) {
      this.o.log.warn(
        { topic, partition, expected: String(expected), got: String(firstOffset) },
        `${this.o.name}: offset gap (records removed by retention or compaction)`,
      );
    }
    for (const message of batch.messages) {
      if (stale()) return;
      const offset = BigInt(message.offset);
      if (offset <= ps.skipThrough) {
        this.stats.skipped++;
        recordsConsumed.inc({ topic, result: 'redelivered' });
        resolveOffset(message.offset);
        continue;
      }
      // A replayed range ends at its recorded last offset, even across fetches (or compaction gaps).
      if (ps.replay && offset > ps.replay.last) {
        if (ps.pending.length > 0) await this.flush(topic, partition, ps, heartbeat, stale);
        // Nothing of the range survived (compaction, retention): it was never written, so move on.
        else ps.replay = undefined;
      }
      ps.pending.push(message);
      resolveOffset(message.offset);
      if (ps.replay ? offset >= ps.replay.last : ps.pending.length >= this.o.maxRangeRecords) {
        await this.flush(topic, partition, ps, heartbeat, stale);
      }
    }
    if (!ps.replay && ps.pending.length > 0 && !stale()) await this.flush(topic, partition, ps, heartbeat, stale);
    await heartbeat().catch(() => {});
  }

  private async flush(
    topic: string,
    partition: number,
    ps: PartitionState,
    heartbeat: () => Promise<void>,
    stale: () => boolean,
  ): Promise<void> {
    this.flushing++;
    try {
      await this.flushRange(topic, partition, ps, heartbeat, stale);
    } finally {
      this.flushing--;
      this.lastBatchAt = Date.now();
    }
  }

  private async flushRange(
    topic: string,
    partition: number,
    ps: PartitionState,
    heartbeat: () => Promise<void>,
    stale: () => boolean,
  ): Promise<void> {
    const messages = ps.pending;
    const first = ps.replay?.first ?? BigInt(messages[0]!.offset);
    const last = ps.replay?.last ?? BigInt(messages.at(-1)!.offset);
    const good: SourceRecord<T>[] = [];
    const poison: Array<{ message: KafkaMessage; err: PoisonRecordError }> = [];
    for (const message of messages) {
      try {
        good.push(await this.decode(topic, partition, message, heartbeat, stale));
      } catch (err) {
        if (err instanceof PoisonRecordError) poison.push({ message, err });
        else throw err;
      }
    }
    if (stale()) return;
    // Handlers read (e.g. duplicate lookups) before they change any state, so a failed read can be retried.
    const prepared = await this.withRetry(
      `prepare ${topic}:${partition}@${first}-${last}`,
      () => this.o.handler.prepare(good, { topic, partition }),
      stale,
      heartbeat,
    );
    const token = `${this.o.group}:${topic}:${partition}:${first}-${last}${ps.epoch ? `@${ps.epoch}` : ''}`;
    const giveUp = () => stale();
    await this.withRetry(
      `dead-letter/side outputs ${token}`,
      async () => {
        if (poison.length) await this.deadLetter(topic, partition, poison);
        await prepared.beforeWrite?.();
      },
      giveUp,
      heartbeat,
    );
    if (stale()) return;
    await this.withRetry(
      `write ${token}`,
      async () => {
        await this.ledger.write(topic, partition, first, last, 'before', ps.epoch);
        for (const ins of prepared.inserts) {
          for (const [k, rows] of insertChunks(ins.rows).entries()) {
            await this.o.store.insert(ins.table, rows, {
              dedupToken: chunkToken(`${token}:${ins.table}`, k),
              columns: ins.columns,
            });
          }
          rowsWritten.inc({ table: ins.table }, ins.rows.length);
        }
        await this.ledger.write(topic, partition, first, last, 'after', ps.epoch);
      },
      giveUp,
      heartbeat,
    );
    if (stale()) return;
    ps.pending = [];
    ps.replay = undefined;
    ps.skipThrough = last;
    this.stats.ranges++;
    this.stats.records += good.length;
    this.stats.deadLettered += poison.length;
    recordsConsumed.inc({ topic, result: 'ok' }, good.length);
    if (poison.length) recordsConsumed.inc({ topic, result: 'dead_letter' }, poison.length);
    await prepared
      .afterWrite?.()
      .catch((err) => this.o.log.warn({ err: errorMessage(err) }, `${this.o.name}: post-write side output failed`));
    await this.consumer!.commitOffsets([{ topic, partition, offset: (last + 1n).toString() }]).catch((err) =>
      // The ledger already says `after`, so a lost commit only means a skip on redelivery.
      this.o.log.info({ err: errorMessage(err) }, `${this.o.name}: offset commit failed; the ledger covers it`),
    );
  }

  private async decode(
    topic: string,
    partition: number,
    m: KafkaMessage,
    heartbeat: () => Promise<void>,
    stale: () => boolean,
  ): Promise<SourceRecord<T>> {
    checkRecordSize(m.value, this.o.maxRecordBytes);
    // Registry outages are retried here; only the record's own faults come out as poison.
    const value = await this.withRetry(
      `decode ${topic}:${partition}@${m.offset}`,
      () => this.o.codec.decode<T>(m.value, topic),
      stale,
      heartbeat,
    );
    validateOrPoison(() => this.o.handler.validate?.(value, topic));
    return { value, topic, partition, offset: BigInt(m.offset), key: m.key?.toString() ?? null };
  }

  private async deadLetter(
    topic: string,
    partition: number,
    poison: Array<{ message: KafkaMessage; err: PoisonRecordError }>,
  ) {
    await this.o.dlq.sendRaw(
      'deadLetter',
      poison.map(({ message, err }) => ({
        key: message.key,
        value: message.value,
        headers: deadLetterHeaders(err, { topic, partition, offset: message.offset }, this.o.group),
      })),
    );
    for (const { message, err } of poison) {
      this.o.log.warn(
        { topic, partition, offset: message.offset, reason: err.reason, err: err.message },
        `${this.o.name}: record sent to the dead-letter topic`,
      );
    }
  }

  /** Retries until it works, `giveUp()` says the work is moot, or the error is poison. */
  private async withRetry<R>(
    what: string,
    fn: () => Promise<R>,
    giveUp: () => boolean,
    heartbeat?: () => Promise<void>,
  ): Promise<R> {
    const policy = this.o.retry ?? { initialDelayMs: 200, maxDelayMs: 10_000 };
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await fn();
        if (attempt > 1) {
          this.state = 'running';
          sinkBackpressure.set(0);
          this.o.log.info({ attempts: attempt }, `${this.o.name}: ${what} succeeded after retries`);
        }
        return r;
      } catch (err) {
        if (err instanceof PoisonRecordError) throw err;
        if (giveUp()) throw new StaleBatchError(what);
        this.state = 'backing-off';
        this.stats.retries++;
        sinkBackpressure.set(1);
        const level = isRetriable(err) ? 'warn' : 'error';
        if (attempt === 1 || attempt % 10 === 0)
          this.o.log[level]({ err: errorMessage(err), attempt }, `${this.o.name}: ${what} failed; retrying`);
        await sleep(backoffDelay(Math.min(attempt, 20), { ...policy, jitter: 0.5 }));
        await heartbeat?.().catch(() => {});
      }
    }
  }
}

/**
 * Rows per INSERT. Smaller blocks keep the embedded engine's readers responsive while a big batch
 * is written (issue 7: 100k-row inserts pushed a concurrent read from 3.5 ms to 391 ms p50). A
 * replay re-cuts the same rows at the same places, so the chunk tokens repeat: never make this a
 * setting that could differ between a crash and its replay.
 */
export const INSERT_CHUNK_ROWS = 10_000;

export function insertChunks<R>(rows: readonly R[]): R[][] {
  const out: R[][] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) out.push(rows.slice(i, i + INSERT_CHUNK_ROWS));
  return out;
}

/** Chunk 0 keeps the unchunked token, so ranges written before chunking existed replay as no-ops. */
export const chunkToken = (token: string, k: number): string => (k === 0 ? token : `${token}#${k}`);

/** The batch belongs to a partition we no longer own; the new owner replays it from the ledger. */
export class StaleBatchError extends Error {
  constructor(what: string) {
    super(`abandoned (partition reassigned or stopping): ${what}`);
  }
}
