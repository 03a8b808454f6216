// The lifecycle's reads on the ingest path: the changes ClickHouse wrote for a range's snapshots,
// read back once to be published (like the zone rows, consumers/snapshots/queries.ts).
import { chDateTime, toNumber } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { ListingChangeKind, ListingChangeRecord } from '../../lib/model.ts';

type Ms = number | string;
type Row = Omit<
  ListingChangeRecord,
  'changed_at' | 'previous_at' | 'sale_at' | 'removed_at' | 'listed_at' | 'direction' | 'kind'
> & {
  kind: ListingChangeKind;
  direction: string;
  changed_ms: Ms;
  previous_ms: Ms | null;
  sale_ms: Ms;
  removed_ms: Ms | null;
  listed_ms: Ms;
};

const ms = (v: Ms | null): number | null => (v === null ? null : toNumber(v));

/** Every listing change of these snapshots, in (changed_at, listing, kind) order. */
export async function changesOf(
  store: Store,
  snapshots: Array<{ event_id: string; scraped_at: number; snapshot_id: string }>,
): Promise<ListingChangeRecord[]> {
  if (snapshots.length === 0) return [];
  // changed_at is the snapshot's scraped_at: with the event, it narrows the read to the key's range.
  const rows = await store.ingestQuery<Row>(
    `SELECT change_id, event_id, source, listing_id, kind, toUnixTimestamp64Milli(changed_at) AS changed_ms,
       toUnixTimestamp64Milli(previous_at) AS previous_ms, snapshot_id, previous_snapshot_id, zone_id, zone, section,
       row, quantity_before, quantity, price_before_cents, price_cents, direction, tickets_sold, sale_price_cents,
       toUnixTimestamp64Milli(sale_at) AS sale_ms, toUnixTimestamp64Milli(removed_at) AS removed_ms,
       toUnixTimestamp64Milli(listed_at) AS listed_ms, excluded_reason, days_to_event
     FROM ${TABLES.listingChanges}
     WHERE event_id IN {events:Array(String)} AND changed_at IN {times:Array(DateTime64(3, 'UTC'))}
       AND snapshot_id IN {ids:Array(String)}
     ORDER BY changed_ms, event_id, listing_id, kind`,
    {
      events: [...new Set(snapshots.map((s) => s.event_id))],
      times: [...new Set(snapshots.map((s) => s.scraped_at))].map(chDateTime),
      ids: snapshots.map((s) => s.snapshot_id),
    },
  );
  return rows.map(({ changed_ms, previous_ms, sale_ms, removed_ms, listed_ms, direction, ...r }) => ({
    ...r,
    changed_at: toNumber(changed_ms),
    previous_at: ms(previous_ms),
    sale_at: toNumber(sale_ms),
    removed_at: ms(removed_ms),
    listed_at: toNumber(listed_ms),
    direction: direction === 'down' || direction === 'up' ? direction : null,
  }));
}
