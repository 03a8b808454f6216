// The question behind GET /v1/events/{id}/listing-changes: one page of an event's listing changes,
// in the table's own order (changed_at, listing_id, kind), after a keyset cursor. Filters: kinds,
// zone, time range. Fixed SQL; every value is a bound parameter (an empty filter list means none).
import type { Store } from '../../lib/clickhouse/store.ts';
import type { ListingChangeKind } from '../../lib/model.ts';

export interface ChangesQuery {
  eventId: string;
  kinds: ListingChangeKind[];
  zone?: string;
  from?: number;
  to?: number;
  /** The last row of the previous page: its changed_at (ms), listing id and kind. */
  after?: { t: number; listingId: string; kind: ListingChangeKind };
  limit: number;
}

export interface ChangeRow {
  change_id: string;
  source: string;
  listing_id: string;
  kind: ListingChangeKind;
  changed_ms: number;
  previous_ms: number | null;
  snapshot_id: string;
  zone_id: string;
  zone: string;
  section: string;
  row: string;
  quantity_before: number;
  quantity: number;
  price_before_cents: number | null;
  price_cents: number | null;
  direction: string;
  tickets_sold: number;
  sale_price_cents: number | null;
  sale_ms: number;
  removed_ms: number | null;
  listed_ms: number;
  excluded_reason: string;
  days_to_event: number | null;
}

const SQL = `SELECT change_id, source, listing_id, kind, toUnixTimestamp64Milli(changed_at) AS changed_ms,
    toUnixTimestamp64Milli(previous_at) AS previous_ms, snapshot_id, zone_id, zone, section, row, quantity_before,
    quantity, price_before_cents, price_cents, direction, tickets_sold, sale_price_cents,
    toUnixTimestamp64Milli(sale_at) AS sale_ms, toUnixTimestamp64Milli(removed_at) AS removed_ms,
    toUnixTimestamp64Milli(listed_at) AS listed_ms, excluded_reason, days_to_event
  FROM listing_changes
  WHERE event_id = {event_id:String}
    AND (empty({kinds:Array(String)}) OR toString(kind) IN {kinds:Array(String)})
    AND ({zone:String} = '' OR zone = {zone:String})
    AND changed_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
    AND changed_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    AND (changed_at, listing_id, toString(kind)) > (fromUnixTimestamp64Milli({after_ms:Int64}, 'UTC'), {after_id:String}, {after_kind:String})
  ORDER BY changed_at, listing_id, toString(kind)
  LIMIT {limit:UInt32}`;

/** Up to `limit` changes after the cursor; one more is read to tell whether a next page exists. */
export async function listingChangesPage(store: Store, q: ChangesQuery): Promise<{ rows: ChangeRow[]; more: boolean }> {
  const rows = await store.query<ChangeRow>(SQL, {
    event_id: q.eventId,
    kinds: q.kinds,
    zone: q.zone ?? '',
    from_ms: q.from ?? 0,
    to_ms: q.to ?? Date.UTC(2100, 0, 1),
    // Before every row: the epoch, an empty id (kinds compare as text; '' sorts first).
    after_ms: q.after?.t ?? -1,
    after_id: q.after?.listingId ?? '',
    after_kind: q.after?.kind ?? '',
    limit: q.limit + 1,
  });
  return { rows: rows.slice(0, q.limit), more: rows.length > q.limit };
}
