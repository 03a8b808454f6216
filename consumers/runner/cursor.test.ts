// The runner's partition decisions as plain values: where a partition resumes, what is skipped,
// when a range is complete, when a crashed range is rebuilt, when the position is moved back.
import { describe, expect, it } from 'vitest';
import { afterFlush, cursorFromLedger, flushAtEnd, rangeOf, startBatch, stepRecord, type Cursor } from './cursor.ts';

const fresh: Cursor = { skipThrough: -1n, positioned: false };

describe('cursorFromLedger', () => {
  it('resumes after an `after` range, rebuilds a `before` range, starts anew without a row', () => {
    expect(cursorFromLedger({ first: 10n, last: 19n, phase: 'after', epoch: 0 })).toEqual({
      skipThrough: 19n,
      positioned: false,
    });
    expect(cursorFromLedger({ first: 10n, last: 19n, phase: 'before', epoch: 0 })).toEqual({
      skipThrough: 9n,
      replay: { first: 10n, last: 19n },
      positioned: false,
    });
    expect(cursorFromLedger(null)).toEqual(fresh);
  });
});

describe('startBatch', () => {
  it('seeks back once when the first batch after a load starts past the ledger', () => {
    const c = cursorFromLedger({ first: 10n, last: 19n, phase: 'after', epoch: 0 });
    const [first, c1] = startBatch(c, 25n, 0);
    expect(first).toEqual({ kind: 'seek', offset: 20n });
    // After the seek the position is trusted: a batch that still starts later is a gap.
    expect(startBatch(c1, 25n, 0)[0]).toEqual({ kind: 'gap', expected: 20n });
    expect(startBatch(c1, 20n, 0)[0]).toEqual({ kind: 'go' });
  });

  it('seeks to the first offset of a range to replay', () => {
    const c = cursorFromLedger({ first: 10n, last: 19n, phase: 'before', epoch: 0 });
    expect(startBatch(c, 15n, 0)[0]).toEqual({ kind: 'seek', offset: 10n });
    expect(startBatch(c, 10n, 0)[0]).toEqual({ kind: 'go' });
  });

  it('moves a partition nothing was written from to its start once, and ignores empty batches', () => {
    // The group's committed offset may lie past records no range holds; Kafka answers a seek to 0
    // that retention overtook from the earliest record it still has.
    const [first, c1] = startBatch(fresh, 500n, 0);
    expect(first).toEqual({ kind: 'seek', offset: 0n });
    expect(startBatch(c1, 500n, 0)[0]).toEqual({ kind: 'go' });
    expect(startBatch(fresh, undefined, 0)).toEqual([{ kind: 'go' }, fresh]);
  });

  it('does not call a later start a gap while records are pending', () => {
    const c: Cursor = { skipThrough: 9n, positioned: true };
    expect(startBatch(c, 30n, 3)[0]).toEqual({ kind: 'go' });
  });
});

describe('stepRecord', () => {
  it('skips what is already written, and flushes a full range', () => {
    const c: Cursor = { skipThrough: 9n, positioned: true };
    expect(stepRecord(c, 9n, 0, 3)[0]).toEqual({ kind: 'skip' });
    expect(stepRecord(c, 10n, 0, 3)[0]).toEqual({ kind: 'take', flushBefore: false, flushAfter: false });
    expect(stepRecord(c, 12n, 2, 3)[0]).toEqual({ kind: 'take', flushBefore: false, flushAfter: true });
  });

  it('ends a replayed range at its recorded last offset, whatever the range size', () => {
    const c = cursorFromLedger({ first: 10n, last: 19n, phase: 'before', epoch: 0 });
    expect(stepRecord(c, 12n, 2, 1)[0]).toEqual({ kind: 'take', flushBefore: false, flushAfter: false });
    expect(stepRecord(c, 19n, 9, 1)[0]).toEqual({ kind: 'take', flushBefore: false, flushAfter: true });
    // The range's last records were compacted away: the first later offset completes it first.
    expect(stepRecord(c, 25n, 4, 100)[0]).toEqual({ kind: 'take', flushBefore: true, flushAfter: false });
  });

  it('drops a replay of which nothing survived, and starts a new range', () => {
    const c = cursorFromLedger({ first: 10n, last: 19n, phase: 'before', epoch: 0 });
    const [step, next] = stepRecord(c, 25n, 0, 100);
    expect(step).toEqual({ kind: 'take', flushBefore: false, flushAfter: false });
    expect(next.replay).toBeUndefined();
  });
});

describe('after a range', () => {
  it('writes pending records at the end of a batch unless a replay is incomplete', () => {
    expect(flushAtEnd({ skipThrough: 1n, positioned: true }, 2)).toBe(true);
    expect(flushAtEnd({ skipThrough: 1n, positioned: true }, 0)).toBe(false);
    expect(flushAtEnd(cursorFromLedger({ first: 10n, last: 19n, phase: 'before', epoch: 0 }), 4)).toBe(false);
  });

  it('a replay keeps its recorded bounds; then the partition skips through them', () => {
    const c = cursorFromLedger({ first: 10n, last: 19n, phase: 'before', epoch: 0 });
    expect(rangeOf(c, 11n, 17n)).toEqual({ first: 10n, last: 19n });
    expect(rangeOf(fresh, 3n, 7n)).toEqual({ first: 3n, last: 7n });
    expect(afterFlush(c, 19n)).toEqual({ skipThrough: 19n, positioned: false });
  });
});
