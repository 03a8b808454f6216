// On a ClickHouse cluster the ledger is read only after the replica has fetched every ledger part
// announced in Keeper (another consumer may have written this partition's last range through
// another replica). The real cluster is exercised by test/server/cluster.test.ts (Docker).
import { describe, expect, it } from 'vitest';
import type { Store } from '../../lib/clickhouse/store.ts';
import { OffsetLedger, ledgerHolds, type LedgerEntry } from './offset-ledger.ts';

function recordingStore(cluster: string | undefined) {
  const calls: string[] = [];
  const store = {
    cluster,
    database: 'tws',
    async command(sql: string) {
      calls.push(`command ${sql}`);
    },
    async ingestQuery() {
      calls.push('read');
      return [{ first_offset: '10', last_offset: '19', phase: 'after', epoch: 0 }];
    },
  };
  return { calls, store: store as unknown as Store };
}

describe('OffsetLedger.read', () => {
  it('syncs the replica with Keeper before reading on a cluster', async () => {
    const { calls, store } = recordingStore('tws');
    const entry = await new OffsetLedger(store, 'g').read('topic', 3);
    expect(calls).toEqual(['command SYSTEM SYNC REPLICA sink_offsets LIGHTWEIGHT', 'read']);
    expect(entry).toEqual({ first: 10n, last: 19n, phase: 'after', epoch: 0 });
  });

  it('reads directly on one server', async () => {
    const { calls, store } = recordingStore(undefined);
    await new OffsetLedger(store, 'g').read('topic', 3);
    expect(calls).toEqual(['read']);
  });
});

describe('ledgerHolds', () => {
  const entry = (first: number, last: number, phase: LedgerEntry['phase']): LedgerEntry => ({
    first: BigInt(first),
    last: BigInt(last),
    phase,
    epoch: 0,
  });

  it('holds an offset of a range that is in, or of one before the range being written', () => {
    expect(ledgerHolds(entry(10, 19, 'after'), 10n)).toBe(true);
    expect(ledgerHolds(entry(10, 19, 'after'), 19n)).toBe(true);
    expect(ledgerHolds(entry(10, 19, 'before'), 9n)).toBe(true);
  });

  it('does not hold an offset of the range being written, beyond the last range, or with no ledger', () => {
    expect(ledgerHolds(entry(10, 19, 'before'), 10n)).toBe(false);
    expect(ledgerHolds(entry(10, 19, 'before'), 19n)).toBe(false);
    expect(ledgerHolds(entry(10, 19, 'after'), 20n)).toBe(false);
    expect(ledgerHolds(null, 0n)).toBe(false);
  });
});
