// `tws replay` for the listing lifecycle (docs/exactly-once.md#replays-tws-replay): the rows written
// from the replayed offsets are deleted, and what was derived from them is rebuilt from what is left,
// before the snapshot consumers (metrics and lifecycle) write the range again under a new epoch.
import { refillFromViews } from '../../lib/clickhouse/refill.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { STATE_TYPE } from './rules-sql.ts';

const SYNC = ' SETTINGS mutations_sync = 2';

/** Deletes the lifecycle rows written from `partition` at offsets >= `start`. */
export async function forgetLifecycleFrom(store: Store, partition: number, start: bigint): Promise<void> {
  for (const t of [TABLES.listingChanges, TABLES.lifecycleSnapshots])
    await store.command(
      `ALTER TABLE ${t} DELETE WHERE kafka_partition = {p:UInt32} AND kafka_offset >= {s:UInt64}${SYNC}`,
      {
        p: partition,
        s: start.toString(),
      },
    );
}

/**
 * Rebuilds each listing's state from its last change (a change row carries the listing as it was
 * after it), and the market rollups with their views' own SELECTs, from the rows that are left.
 */
export async function rebuildLifecycle(store: Store): Promise<void> {
  await store.command(`TRUNCATE TABLE ${TABLES.listingState}`);
  await store.command(`INSERT INTO ${TABLES.listingState}
    SELECT event_id, source, listing_id, toUInt64(toUnixTimestamp64Milli(last.changed_at)) AS version,
      last.kafka_partition AS kafka_partition, last.kafka_offset AS kafka_offset, last.s AS state, last.s AS prev
    FROM (
      SELECT event_id, source, listing_id,
        argMax(CAST((changed_at, kafka_partition, kafka_offset,
          CAST((true, kind != 'removed', if(kind = 'removed', quantity_before, quantity),
            if(kind = 'removed', price_before_cents, price_cents), zone_id, zone, section, row, listed_at, changed_at,
            toUInt32(if(kind = 'removed', greatest(tickets_sold, 0), 0))) AS ${STATE_TYPE}))
          AS Tuple(changed_at DateTime64(3, 'UTC'), kafka_partition UInt32, kafka_offset UInt64, s ${STATE_TYPE})),
          (changed_at, kind = 'removed')) AS last
      FROM ${TABLES.listingChanges}
      GROUP BY event_id, source, listing_id
    )`);
  for (const [table, grain] of [
    [TABLES.marketRollupsHourly, 'hourly'],
    [TABLES.marketRollupsDaily, 'daily'],
  ] as const) {
    await refillFromViews(
      store,
      table,
      ['sales', 'activity', 'asking'].map((part) => `market_${part}_${grain}_mv`),
    );
  }
}
