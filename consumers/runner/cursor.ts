// Where one partition stands, and the runner's decisions about it, as pure functions: which records
// are already in ClickHouse (skip), when a range is complete (flush), when a crashed range must be
// rebuilt exactly (replay), and when the fetch position must be moved back to the ledger's (seek).
// The runner (batch-runner.ts) does the I/O; these decide, and are unit-tested without a broker.
import type { LedgerEntry } from './offset-ledger.ts';

export interface Cursor {
  /** Offsets at or below this are already in ClickHouse. -1 when nothing of the partition is. */
  skipThrough: bigint;
  /** A `before` range found in the ledger: the next range must be exactly this one. */
  replay?: { first: bigint; last: bigint };
  /** Whether the fetch position was checked against the ledger since the partition was loaded. */
  positioned: boolean;
}

/** A freshly (re)assigned partition, from its ledger row. */
export function cursorFromLedger(entry: LedgerEntry | null): Cursor {
  if (entry?.phase === 'after') return { skipThrough: entry.last, positioned: false };
  if (entry?.phase === 'before')
    return { skipThrough: entry.first - 1n, replay: { first: entry.first, last: entry.last }, positioned: false };
  return { skipThrough: -1n, positioned: false };
}

/** The next offset the ledger expects. */
export const expectedOffset = (c: Cursor): bigint => c.replay?.first ?? c.skipThrough + 1n;

export type BatchStart =
  /** Move the fetch position back to `offset` and drop this batch. */
  | { kind: 'seek'; offset: bigint }
  /** Records between the ledger and this batch are gone from Kafka (retention, compaction). */
  | { kind: 'gap'; expected: bigint }
  | { kind: 'go' };

/**
 * Before a batch's records. The ledger, not kafkajs's fetch position, says where a partition
 * resumes: kafkajs fetches on after the offsets it was told were resolved, which may lie past
 * records of an abandoned batch. So the first batch after a (re)load that starts past the ledger
 * seeks back once; a later one that still starts past it means the records are gone.
 */
export function startBatch(c: Cursor, firstOffset: bigint | undefined, pending: number): [BatchStart, Cursor] {
  if (firstOffset === undefined) return [{ kind: 'go' }, c];
  const expected = expectedOffset(c);
  const positioned = { ...c, positioned: true };
  if (!c.positioned) {
    return firstOffset > expected && expected >= 0n
      ? [{ kind: 'seek', offset: expected }, positioned]
      : [{ kind: 'go' }, positioned];
  }
  if (firstOffset > expected && pending === 0 && c.skipThrough >= 0n) return [{ kind: 'gap', expected }, c];
  return [{ kind: 'go' }, c];
}

export type RecordStep =
  /** Already in ClickHouse: a redelivery. */
  | { kind: 'skip' }
  | {
      kind: 'take';
      /** Write the pending records first: the replayed range ended before this record. */
      flushBefore: boolean;
      /** Write the pending records, this one included, after taking it. */
      flushAfter: boolean;
    };

/**
 * One record. A replayed range ends at its recorded last offset, even across fetches or gaps; when
 * nothing of it is pending once a later offset arrives, nothing of it survived (compaction,
 * retention) and it is dropped: it was never written, so the record starts a new range.
 */
export function stepRecord(c: Cursor, offset: bigint, pending: number, maxRange: number): [RecordStep, Cursor] {
  if (offset <= c.skipThrough) return [{ kind: 'skip' }, c];
  let next = c;
  let flushBefore = false;
  if (c.replay && offset > c.replay.last) {
    flushBefore = pending > 0;
    if (!flushBefore) next = { ...c, replay: undefined };
  }
  const pendingAfter = (flushBefore ? 0 : pending) + 1;
  const replayAfter = flushBefore ? undefined : next.replay;
  const flushAfter = replayAfter ? offset >= replayAfter.last : pendingAfter >= maxRange;
  return [{ kind: 'take', flushBefore, flushAfter }, next];
}

/** After a batch's records: write what is pending, unless a replayed range is not complete yet. */
export const flushAtEnd = (c: Cursor, pending: number): boolean => !c.replay && pending > 0;

/** After a range [first, last] is written. */
export const afterFlush = (c: Cursor, last: bigint): Cursor => ({ ...c, skipThrough: last, replay: undefined });

/** The range a flush writes: a replay keeps its recorded bounds, whatever survived of it. */
export function rangeOf(c: Cursor, firstPending: bigint, lastPending: bigint): { first: bigint; last: bigint } {
  return c.replay ? { first: c.replay.first, last: c.replay.last } : { first: firstPending, last: lastPending };
}
