// The sink's ledger in ClickHouse (table sink_offsets): per consumer group and partition, the last
// offset range written, with a phase. `before` is written ahead of the data, `after` once the data
// is in. After a crash, a `before` range is re-formed exactly and re-inserted under the same dedup
// tokens, so ClickHouse drops whatever had already landed; an `after` range is skipped.
// Its two statements are the ledger's whole SQL: the module is the runner's queries module.
import type { Store } from '../../lib/clickhouse/store.ts';
import { toNumber } from '../../lib/clickhouse/format.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { syncReplica } from '../../lib/clickhouse/replica-sync.ts';

export interface LedgerEntry {
  first: bigint;
  last: bigint;
  phase: 'before' | 'after';
  /** Bumped by a replay; part of every dedup token (see 0004_sink_epoch.sql). */
  epoch: number;
}

/**
 * Whether the record at `offset` is in ClickHouse by the partition's ledger: its range says `after`,
 * or a later range began (the runner writes a range's `before` only once the one ahead is in).
 */
export function ledgerHolds(entry: LedgerEntry | null, offset: bigint): boolean {
  if (!entry || entry.last < offset) return false;
  return entry.phase === 'after' || entry.first > offset;
}

export class OffsetLedger {
  constructor(
    private readonly store: Store,
    private readonly group: string,
  ) {}

  async read(topic: string, partition: number): Promise<LedgerEntry | null> {
    // On a cluster the last owner of this partition may have written through another replica:
    // fetch every ledger part already announced in Keeper before reading, or a lagging replica
    // would show an older range and the runner would re-form it under other tokens
    // (docs/exactly-once.md#on-a-clickhouse-cluster). Consumers keep one replica for their life.
    await syncReplica(this.store, [TABLES.sinkOffsets]);
    const rows = await this.store.ingestQuery<{
      first_offset: number | string;
      last_offset: number | string;
      phase: string;
      epoch: number;
    }>(
      `SELECT first_offset, last_offset, phase, epoch FROM ${TABLES.sinkOffsets} FINAL
       WHERE consumer_group = {g:String} AND topic = {t:String} AND partition = {p:UInt32}`,
      { g: this.group, t: topic, p: partition },
    );
    const r = rows[0];
    if (!r) return null;
    return {
      first: BigInt(toNumber(r.first_offset)),
      last: BigInt(toNumber(r.last_offset)),
      phase: r.phase === 'after' ? 'after' : 'before',
      epoch: toNumber(r.epoch),
    };
  }

  write(
    topic: string,
    partition: number,
    first: bigint,
    last: bigint,
    phase: LedgerEntry['phase'],
    epoch = 0,
  ): Promise<void> {
    // Replacing by version: a later range, or the `after` of the same range, always wins.
    const version = (last + 1n) * 2n + (phase === 'after' ? 1n : 0n);
    return this.store.insert(TABLES.sinkOffsets, [
      {
        consumer_group: this.group,
        topic,
        partition,
        first_offset: first.toString(),
        last_offset: last.toString(),
        phase,
        version: version.toString(),
        epoch,
      },
    ]);
  }
}
