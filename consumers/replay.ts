// Re-consuming snapshots from an offset or a time into ClickHouse (`tws replay`). The sink is
// idempotent only within its dedup window, so a replay first removes what it will write again:
//   1. per partition, the start offset (given, or the first at/after the given time) and the end;
//   2. delete the rows written from those offsets (rows carry kafka_partition / kafka_offset);
//   3. rebuild the rollups from the remaining zone snapshots (the views' own SELECT);
//   4. point the sink's ledger and the group's committed offsets at the start.
// The snapshot consumers (metrics and lifecycle, stopped while this runs) then rewrite the range.
// Run it with no member left in their groups: Kafka refuses to move a live group's offsets.
import { refillFromViews } from '../lib/clickhouse/refill.ts';
import type { Store } from '../lib/clickhouse/store.ts';
import { describeGroupAssignment, offsetsAtTime, setCommittedOffsets, topicEndOffsets } from '../lib/kafka/admin.ts';
import type { Kafka } from '../lib/kafka/client.ts';
import { forgetLifecycleFrom, rebuildLifecycle } from './lifecycle/replay.ts';

export interface ReplayPlan {
  topic: string;
  partitions: Array<{ partition: number; start: bigint; end: bigint }>;
  /** Records to re-consume in total. */
  total: number;
}

export async function planReplay(
  kafka: Kafka,
  topic: string,
  from: { offset?: number; time?: number },
): Promise<ReplayPlan> {
  const ends = await topicEndOffsets(kafka, topic);
  const byTime = from.time !== undefined ? await offsetsAtTime(kafka, topic, from.time) : new Map<number, null>();
  const partitions = [...ends].map(([partition, { low, high: end }]) => {
    let start = from.offset !== undefined ? BigInt(from.offset) : (byTime.get(partition) ?? end);
    if (start < low) start = low;
    if (start > end) start = end;
    return { partition, start, end };
  });
  return { topic, partitions, total: partitions.reduce((n, p) => n + Number(p.end - p.start), 0) };
}

const SNAPSHOT_TABLES = [
  'section_snapshots',
  'zone_snapshots',
  'zone_snapshots_all_sources',
  'recent_listings',
] as const;
/**
 * Every rollup table and the materialized views that fill it: all sources from
 * zone_snapshots_all_sources and from zone_snapshots rows without a source (0071), per source from
 * zone_snapshots.
 */
const ROLLUP_VIEWS: Record<string, string[]> = {
  zone_rollups_hourly: ['zone_rollups_hourly_mv', 'zone_rollups_hourly_unsourced_mv'],
  zone_rollups_daily: ['zone_rollups_daily_mv', 'zone_rollups_daily_unsourced_mv'],
  zone_source_rollups_hourly: ['zone_source_rollups_hourly_mv'],
  zone_source_rollups_daily: ['zone_source_rollups_daily_mv'],
};

export class ReplayRefusedError extends Error {}

/** Kafka refuses to move a live group's offsets: check before deleting anything. */
export async function assertGroupIdle(kafka: Kafka, group: string): Promise<void> {
  const g = await describeGroupAssignment(kafka, group);
  if (g.members.length > 0) {
    throw new ReplayRefusedError(
      `consumer group ${group} has ${g.members.length} running member(s) (state ${g.state}); stop the snapshot consumers first (a killed one leaves after its session timeout)`,
    );
  }
}

/** `groups`: every consumer group of the topic whose output is rewritten (service.ts, snapshotGroups). */
export async function prepareReplay(
  store: Store,
  kafka: Kafka,
  groups: string | string[],
  plan: ReplayPlan,
): Promise<void> {
  const all = [groups].flat();
  for (const group of all) await assertGroupIdle(kafka, group);
  // The mutations must be finished before the replay writes the same rows again.
  const SYNC = ' SETTINGS mutations_sync = 2';
  for (const { partition, start } of plan.partitions) {
    const p = { p: partition, s: start.toString() };
    await store.command(
      `ALTER TABLE raw_listings DELETE WHERE snapshot_id IN
         (SELECT snapshot_id FROM snapshots WHERE kafka_partition = {p:UInt32} AND kafka_offset >= {s:UInt64})${SYNC}`,
      p,
    );
    for (const t of [...SNAPSHOT_TABLES, 'snapshots']) {
      await store.command(
        `ALTER TABLE ${t} DELETE WHERE kafka_partition = {p:UInt32} AND kafka_offset >= {s:UInt64}${SYNC}`,
        p,
      );
    }
    await forgetLifecycleFrom(store, partition, start);
    for (const group of all) {
      await store.command(
        `ALTER TABLE sink_offsets DELETE WHERE consumer_group = {g:String} AND topic = {t:String} AND partition = {p:UInt32}${SYNC}`,
        { g: group, t: plan.topic, p: partition },
      );
      // Resume just before `start`, under a new epoch so the rewritten ranges get fresh dedup tokens.
      await store.insert('sink_offsets', [
        {
          consumer_group: group,
          topic: plan.topic,
          partition,
          first_offset: (start - 1n).toString(),
          last_offset: (start - 1n).toString(),
          phase: 'after',
          version: '1',
          epoch: Date.now(),
        },
      ]);
    }
  }
  await rebuildRollups(store);
  await rebuildLifecycle(store);
  const starts = new Map(plan.partitions.map((p) => [p.partition, p.start]));
  for (const group of all) await setCommittedOffsets(kafka, group, plan.topic, starts);
}

/**
 * Recomputes the rollup tables from their snapshot tables (zone_snapshots_all_sources, zone_snapshots)
 * with the materialized views' own SELECT.
 */
export async function rebuildRollups(store: Store): Promise<void> {
  for (const [table, views] of Object.entries(ROLLUP_VIEWS)) {
    await refillFromViews(store, table, views);
  }
}
