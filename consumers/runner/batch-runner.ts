// The consumer loop behind every ClickHouse sink: at-least-once consumption plus idempotent inserts,
// which together give exactly-once rows (docs/exactly-once.md).
//
// Per partition, records are gathered into ranges [first, last]. A range is written as:
//   1. poison records -> dead-letter topic
//   2. ledger `before first..last`
//   3. the handler's writes, each with a token group:topic:partition:first-last[@epoch]:table;
//      records ClickHouse decodes itself are bisected on a data error until the bad one is alone,
//      and that one goes to the dead-letter topic
//   4. side outputs that must not be lost (read from what step 3 wrote)
//   5. ledger `after first..last`   6. post-write side outputs   7. commit last+1 to Kafka
// On (re)assignment the ledger decides where to resume (cursor.ts): after an `after` range, skip
// through it; after a `before` range, rebuild exactly that range and write it again (ClickHouse
// drops the blocks that had landed). While ClickHouse is unavailable the loop retries with backoff
// and keeps its group membership, committing nothing.
//
// States (state.ts): idle -> running <-> backing-off -> stopping -> stopped. Error cases:
//   - undecodable / unknown schema / invalid / oversized record -> dead-letter topic, carry on
//   - ClickHouse rejects a record's data (engine-decoded)        -> bisect, that record to the DLQ
//   - registry or ClickHouse unreachable (retriable)             -> backoff and retry, no commit
//   - ClickHouse rejects anything else                           -> backoff and retry, error in log
//   - rebalance while retrying (stale batch)                     -> drop the batch, the new owner replays
//   - commit fails (rebalance in progress)                       -> ignored: the ledger covers it
import type { Store } from '../../lib/clickhouse/store.ts';
import { isRejectedData } from '../../lib/clickhouse/data-errors.ts';
import { PoisonRecordError, errorMessage, isRetriable } from '../../lib/errors.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Kafka } from '../../lib/kafka/client.ts';
import {
  joinGroup,
  type GroupConsumer,
  type InboundMessage,
  type PartitionBatch,
} from '../../lib/kafka/group-consumer.ts';
import { checkRecordSize, validateOrPoison } from '../../lib/kafka/record-checks.ts';
import { deadLetterHeaders } from '../../lib/kafka/topics.ts';
import type { Logger } from '../../lib/logger.ts';
import { recordsConsumed, rowsWritten, sinkBackpressure } from '../../lib/metrics.ts';
import type { AvroCodec } from '../../lib/registry/codec.ts';
import { backoffDelay, sleep } from '../../lib/retry.ts';
import { TimeSlicer } from '../../lib/time-slice.ts';
import { afterFlush, cursorFromLedger, flushAtEnd, rangeOf, startBatch, stepRecord, type Cursor } from './cursor.ts';
import { OffsetLedger } from './offset-ledger.ts';
import { RunnerStates, type RunnerState } from './state.ts';

export type { RunnerState } from './state.ts';

export interface SourceRecord<T> {
  value: T;
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
}

/** JSON rows for one table. `columns`: rows are arrays in that order (see InsertOptions.columns). */
export interface RowInsert {
  table: string;
  rows: object[];
  columns?: readonly string[];
}

/** Records whose bytes ClickHouse decodes itself, written by the handler in one INSERT per call. */
export interface EncodedWrite<T> {
  /** The table the token names (the landing table). */
  table: string;
  records: SourceRecord<T>[];
  /** Writes `records` (offset-ordered, non-empty) under `token`; rejects with a data error for bad bytes. */
  write(records: SourceRecord<T>[], token: string): Promise<void>;
  /**
   * Records to write in place of rejected ones: e.g. a later copy of the same snapshot that was left
   * out as a duplicate of the copy ClickHouse rejected. Must be deterministic (a replay asks again).
   */
  replacementsFor?(rejected: SourceRecord<T>[]): SourceRecord<T>[];
}

export interface Prepared<T> {
  inserts?: RowInsert[];
  encoded?: EncodedWrite<T>;
  /**
   * Side outputs that must not be lost, from what was written: run after the writes and before the
   * ledger says `after`, so a crash in between replays them. `written`: the records that are in
   * ClickHouse (without those dead-lettered by bisection).
   */
  publish?: (written: SourceRecord<T>[]) => Promise<void>;
  /** Side outputs that may be lost to a crash (e.g. closed-window rollups, re-derived on restart). */
  afterWrite?: () => Promise<void>;
}

export interface BatchHandler<T> {
  /** Turns a record's bytes into T; throws PoisonRecordError for a bad record. Default: full Avro decode. */
  decode?(value: Buffer | null, topic: string): Promise<T>;
  /** Throws PoisonRecordError('invalid') for impossible values. */
  validate?(value: T, topic: string): void;
  /** May be retried after a failure: do every read before changing any state of the handler. */
  prepare(records: SourceRecord<T>[], where: { topic: string; partition: number }): Promise<Prepared<T>>;
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
  /**
   * Whether this group dead-letters its poison records (default true). A second group over the same
   * topic (the lifecycle consumer) skips and logs them: one dead-letter entry per bad record, the
   * metrics consumer's.
   */
  sendsDeadLetters?: boolean;
  group: string;
  topics: string[];
  handler: BatchHandler<T>;
  log: Logger;
  maxRangeRecords: number;
  maxRecordBytes?: number;
  retry?: { initialDelayMs: number; maxDelayMs: number };
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /**
   * Partitions whose ranges are handled side by side (default 1). Each partition still runs its
   * steps in order; while one partition's insert runs in ClickHouse, another's records are decoded,
   * looked up and published. The handler must keep its per-partition state apart.
   */
  partitionsAtOnce?: number;
  /** Test seam: the group membership (default: joinGroup on `kafka`). */
  join?: (opts: {
    groupId: string;
    topics: string[];
    fromBeginning: boolean;
    sessionTimeoutMs?: number;
    partitionsAtOnce?: number;
  }) => Promise<GroupConsumer>;
  /** Test seam: the ledger (default: OffsetLedger on `store`). */
  ledger?: Pick<OffsetLedger, 'read' | 'write'>;
  /** How long without records counts as idle (default 5 s), and how often that is checked (1 s). */
  idle?: { afterMs: number; everyMs: number };
}

interface PartitionState {
  cursor: Cursor;
  pending: InboundMessage[];
  epoch: number;
}

interface Poison {
  message: InboundMessage;
  err: PoisonRecordError;
}

export class BatchRunner<T> {
  private readonly states = new RunnerStates();
  private consumer?: GroupConsumer;
  private readonly ledger: Pick<OffsetLedger, 'read' | 'write'>;
  private readonly partitions = new Map<string, PartitionState>();
  private idleTimer?: NodeJS.Timeout;
  private lastBatchAt = Date.now();
  /** Ranges being written right now; the idle hook waits for none (a slow write is not idleness). */
  private flushing = 0;
  /** Steps retrying right now (one per partition at most): the runner backs off while any does. */
  private retrying = 0;
  /** Group joins so far (each one is a rebalance this member took part in). */
  joins = 0;
  readonly stats = {
    ranges: 0,
    records: 0,
    deadLettered: 0,
    skipped: 0,
    retries: 0,
    bisections: 0,
    idleRuns: 0,
    /** Partitions loaded with an unfinished range (the ledger said `before`): a crash mid-write. */
    replays: 0,
  };

  constructor(private readonly opts: RunnerOptions<T>) {
    this.ledger = opts.ledger ?? new OffsetLedger(opts.store, opts.group);
  }

  get state(): RunnerState {
    return this.states.current;
  }

  async start(): Promise<void> {
    const join = this.opts.join ?? ((o) => joinGroup(this.opts.kafka, o));
    const consumer = await join({
      groupId: this.opts.group,
      topics: this.opts.topics,
      fromBeginning: this.opts.fromBeginning ?? true,
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      partitionsAtOnce: this.opts.partitionsAtOnce,
    });
    this.consumer = consumer;
    // Any (re)assignment may hand us partitions whose ledger moved on elsewhere: reload lazily.
    consumer.onJoin(() => {
      this.partitions.clear();
      this.joins++;
    });
    this.states.to('running');
    await consumer.run(async (batch) => {
      try {
        await this.eachBatch(batch);
      } catch (err) {
        // Forget what we held for it: whoever handles the partition next (kafkajs' retry of this
        // batch, a restart, or the new owner) resumes from the ledger, never from a half-built range.
        this.partitions.delete(this.key(batch.topic, batch.partition));
        if (!(err instanceof StaleBatchError)) throw err;
      }
    });
    if (this.opts.handler.onIdle) this.scheduleIdleTick();
  }

  /**
   * The idle hook closes windows of quiet partitions. The tick always re-arms itself while the
   * runner is active, whatever state it finds (it used to return for good from `backing-off`), and
   * runs the hook only when running, caught up, and not writing.
   */
  private scheduleIdleTick(): void {
    const { afterMs, everyMs } = this.opts.idle ?? { afterMs: 5_000, everyMs: 1_000 };
    const tick = async () => {
      if (!this.states.active) return;
      if (this.state === 'running' && Date.now() - this.lastBatchAt >= afterMs && this.flushing === 0) {
        this.stats.idleRuns++;
        await this.opts.handler.onIdle!().catch((err) =>
          this.opts.log.warn({ err: errorMessage(err) }, `${this.opts.name}: idle hook failed`),
        );
      }
      if (this.states.active) this.idleTimer = setTimeout(tick, everyMs);
    };
    this.idleTimer = setTimeout(tick, everyMs);
  }

  /** Finishes the batch in hand, commits, leaves the group. Bounded by `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.states.to('stopping');
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const done = this.consumer?.disconnect().catch(() => {});
    await Promise.race([done, sleep(timeoutMs)]);
    this.states.to('stopped');
  }

  private key = (topic: string, partition: number) => `${topic}:${partition}`;

  private async partitionState(topic: string, partition: number, stale: () => boolean): Promise<PartitionState> {
    const k = this.key(topic, partition);
    const known = this.partitions.get(k);
    if (known) return known;
    const entry = await this.withRetry(`read ledger ${k}`, () => this.ledger.read(topic, partition), stale);
    const ps: PartitionState = { cursor: cursorFromLedger(entry), pending: [], epoch: entry?.epoch ?? 0 };
    if (ps.cursor.replay) {
      this.stats.replays++;
      this.opts.log.warn(
        { topic, partition, first: String(ps.cursor.replay.first), last: String(ps.cursor.replay.last) },
        `${this.opts.name}: replaying an unfinished range`,
      );
    }
    if (this.opts.handler.onPartitionLoaded) {
      await this.withRetry(
        `load partition state ${k}`,
        () => this.opts.handler.onPartitionLoaded!(topic, partition),
        stale,
      );
    }
    this.partitions.set(k, ps);
    return ps;
  }

  private async eachBatch(batch: PartitionBatch): Promise<void> {
    const { topic, partition, resolveOffset, heartbeat } = batch;
    if (batch.messages.length > 0) this.lastBatchAt = Date.now();
    const stale = () => !batch.isRunning() || batch.isStale() || !this.states.active;
    const ps = await this.partitionState(topic, partition, stale);
    const firstOffset = batch.messages[0] ? BigInt(batch.messages[0].offset) : undefined;
    const [start, cursor] = startBatch(ps.cursor, firstOffset, ps.pending.length);
    ps.cursor = cursor;
    if (start.kind === 'seek') {
      this.consumer!.seek(topic, partition, start.offset.toString());
      return;
    }
    if (start.kind === 'gap') {
      this.opts.log.warn(
        { topic, partition, expected: String(start.expected), got: String(firstOffset) },
        `${this.opts.name}: offset gap (records removed by retention or compaction)`,
      );
    }
    for (const message of batch.messages) {
      if (stale()) return;
      const offset = BigInt(message.offset);
      const [step, next] = stepRecord(ps.cursor, offset, ps.pending.length, this.opts.maxRangeRecords);
      ps.cursor = next;
      if (step.kind === 'skip') {
        this.stats.skipped++;
        recordsConsumed.inc({ topic, result: 'redelivered' });
        resolveOffset(message.offset);
        continue;
      }
      if (step.flushBefore) await this.flush(topic, partition, ps, heartbeat, stale);
      ps.pending.push(message);
      resolveOffset(message.offset);
      if (step.flushAfter) await this.flush(topic, partition, ps, heartbeat, stale);
    }
    if (flushAtEnd(ps.cursor, ps.pending.length) && !stale()) await this.flush(topic, partition, ps, heartbeat, stale);
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
    const { first, last } = rangeOf(ps.cursor, BigInt(messages[0]!.offset), BigInt(messages.at(-1)!.offset));
    const good: SourceRecord<T>[] = [];
    const poison: Poison[] = [];
    // Decoding a range is JavaScript per record: let API requests in between (lib/time-slice.ts).
    const slicer = new TimeSlicer();
    for (const message of messages) {
      try {
        good.push(await this.decode(topic, partition, message, heartbeat, stale));
      } catch (err) {
        if (err instanceof PoisonRecordError) poison.push({ message, err });
        else throw err;
      }
      await slicer.tick();
    }
    if (stale()) return;
    // Handlers read (e.g. duplicate lookups) before they change any state, so a failed read can be retried.
    const prepared = await this.withRetry(
      `prepare ${topic}:${partition}@${first}-${last}`,
      () => this.opts.handler.prepare(good, { topic, partition }),
      stale,
      heartbeat,
    );
    const epoch = ps.epoch ? `@${ps.epoch}` : '';
    const token = (a: bigint, b: bigint) => `${this.opts.group}:${topic}:${partition}:${a}-${b}${epoch}`;
    const rangeToken = token(first, last);
    if (poison.length) {
      await this.withRetry(
        `dead-letter ${rangeToken}`,
        () => this.deadLetter(topic, partition, poison),
        stale,
        heartbeat,
      );
    }
    if (stale()) return;
    let bisected: Poison[] = [];
    await this.withRetry(
      `write ${rangeToken}`,
      async () => {
        await this.ledger.write(topic, partition, first, last, 'before', ps.epoch);
        for (const ins of prepared.inserts ?? []) {
          for (const [k, rows] of insertChunks(ins.rows).entries()) {
            await this.opts.store.insert(ins.table, rows, {
              dedupToken: chunkToken(`${rangeToken}:${ins.table}`, k),
              columns: ins.columns,
            });
          }
          rowsWritten.inc({ table: ins.table }, ins.rows.length);
        }
        bisected = [];
        let written = good;
        if (prepared.encoded) {
          const enc = prepared.encoded;
          const attempted: SourceRecord<T>[] = [];
          const rejected: Array<{ record: SourceRecord<T>; err: unknown }> = [];
          for (let next = enc.records; next.length > 0;) {
            attempted.push(...next);
            const out = await this.writeEncoded(enc, next, (a, b) => `${token(a, b)}:${enc.table}`);
            rejected.push(...out);
            next = out.length && enc.replacementsFor ? enc.replacementsFor(out.map((r) => r.record)) : [];
          }
          const out = new Set(rejected.map((r) => r.record.offset));
          written = attempted.filter((r) => !out.has(r.offset));
          if (rejected.length) {
            bisected = rejected.map(({ record, err }) => ({
              message: messages.find((m) => m.offset === record.offset.toString())!,
              err: new PoisonRecordError(`ClickHouse rejected the record: ${errorMessage(err)}`, 'rejected', err),
            }));
            await this.deadLetter(topic, partition, bisected);
          }
        }
        await prepared.publish?.(written);
        await this.ledger.write(topic, partition, first, last, 'after', ps.epoch);
      },
      stale,
      heartbeat,
    );
    if (stale()) return;
    ps.pending = [];
    ps.cursor = afterFlush(ps.cursor, last);
    this.stats.ranges++;
    this.stats.records += good.length - bisected.length;
    this.stats.deadLettered += poison.length + bisected.length;
    recordsConsumed.inc({ topic, result: 'ok' }, good.length - bisected.length);
    if (poison.length + bisected.length)
      recordsConsumed.inc({ topic, result: 'dead_letter' }, poison.length + bisected.length);
    await prepared
      .afterWrite?.()
      .catch((err) =>
        this.opts.log.warn({ err: errorMessage(err) }, `${this.opts.name}: post-write side output failed`),
      );
    await this.consumer!.commit(topic, partition, (last + 1n).toString()).catch((err) =>
      // The ledger already says `after`, so a lost commit only means a skip on redelivery.
      this.opts.log.info({ err: errorMessage(err) }, `${this.opts.name}: offset commit failed; the ledger covers it`),
    );
  }

  /**
   * Writes `records` in one call; if ClickHouse rejects their data, halves the list and writes each
   * half under its own token (named by its first and last offsets, so a replay cuts and names the
   * halves the same way), until each bad record is alone. Returns the records rejected alone.
   * Errors that are not about the data (unavailable, misconfigured) are thrown: the caller retries.
   */
  private async writeEncoded(
    enc: EncodedWrite<T>,
    records: SourceRecord<T>[],
    tokenOf: (first: bigint, last: bigint) => string,
  ): Promise<Array<{ record: SourceRecord<T>; err: unknown }>> {
    if (records.length === 0) return [];
    try {
      await enc.write(records, tokenOf(records[0]!.offset, records.at(-1)!.offset));
      return [];
    } catch (err) {
      if (!isRejectedData(err)) throw err;
      if (records.length === 1) return [{ record: records[0]!, err }];
      this.stats.bisections++;
      const mid = records.length >> 1;
      return [
        ...(await this.writeEncoded(enc, records.slice(0, mid), tokenOf)),
        ...(await this.writeEncoded(enc, records.slice(mid), tokenOf)),
      ];
    }
  }

  private async decode(
    topic: string,
    partition: number,
    m: InboundMessage,
    heartbeat: () => Promise<void>,
    stale: () => boolean,
  ): Promise<SourceRecord<T>> {
    checkRecordSize(m.value, this.opts.maxRecordBytes);
    const { handler, codec } = this.opts;
    // Registry outages are retried here; only the record's own faults come out as poison.
    const value = await this.withRetry(
      `decode ${topic}:${partition}@${m.offset}`,
      () => (handler.decode ? handler.decode(m.value, topic) : codec.decode<T>(m.value, topic)),
      stale,
      heartbeat,
    );
    validateOrPoison(() => handler.validate?.(value, topic));
    return { value, topic, partition, offset: BigInt(m.offset), key: m.key?.toString() ?? null };
  }

  private async deadLetter(topic: string, partition: number, poison: Poison[]) {
    const send = this.opts.sendsDeadLetters ?? true;
    if (send)
      await this.opts.dlq.sendRaw(
        'deadLetter',
        poison.map(({ message, err }) => ({
          key: message.key,
          value: message.value,
          headers: deadLetterHeaders(err, { topic, partition, offset: message.offset }, this.opts.group),
        })),
      );
    for (const { message, err } of poison) {
      this.opts.log.warn(
        { topic, partition, offset: message.offset, reason: err.reason, err: err.message },
        send
          ? `${this.opts.name}: record sent to the dead-letter topic`
          : `${this.opts.name}: poison record skipped (the metrics consumer dead-letters it)`,
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
    const policy = this.opts.retry ?? { initialDelayMs: 200, maxDelayMs: 10_000 };
    let retrying = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await fn();
          if (attempt > 1)
            this.opts.log.info({ attempts: attempt }, `${this.opts.name}: ${what} succeeded after retries`);
          return r;
        } catch (err) {
          if (err instanceof PoisonRecordError) throw err;
          if (giveUp()) throw new StaleBatchError(what);
          if (!retrying) {
            retrying = true;
            this.retryStarted();
          }
          this.stats.retries++;
          const level = isRetriable(err) ? 'warn' : 'error';
          if (attempt === 1 || attempt % 10 === 0)
            this.opts.log[level]({ err: errorMessage(err), attempt }, `${this.opts.name}: ${what} failed; retrying`);
          await sleep(backoffDelay(Math.min(attempt, 20), { ...policy, jitter: 0.5 }));
          await heartbeat?.().catch(() => {});
        }
      }
    } finally {
      if (retrying) this.retryEnded();
    }
  }

  /** Backing off while any partition's step retries; running again once none does. */
  private retryStarted(): void {
    this.retrying++;
    if (this.state === 'running') this.states.to('backing-off');
    sinkBackpressure.set(1);
  }

  private retryEnded(): void {
    this.retrying--;
    if (this.retrying > 0) return;
    if (this.state === 'backing-off') this.states.to('running');
    sinkBackpressure.set(0);
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
