// The sources of an event now: each source's latest snapshot (its zone_snapshots rows) and the
// latest all-sources rows (zone_snapshots_all_sources), one row per (source or 'all', zone name).
import type { Store } from '../../lib/clickhouse/store.ts';

export interface SourceZoneRow {
  /** A source name, or 'all'. */
  source: string;
  scraped_at_ms: number;
  zone: string;
  get_in_cents: number | null;
  get_in_2_cents: number | null;
  get_in_4_cents: number | null;
  tickets: number;
  listings: number;
  duplicate_listings: number;
}

/** All sources' zone rows: the all-sources table, and rows written without a source (before sources). */
const ALL_ROWS = `(
  SELECT snapshot_id, scraped_at, kafka_offset, zone, lowest_price_cents, lowest_price_2_cents, lowest_price_4_cents,
         total_tickets, total_listings, duplicate_listings
  FROM zone_snapshots_all_sources WHERE event_id = {event_id:String}
  UNION ALL
  SELECT snapshot_id, scraped_at, kafka_offset, zone, lowest_price_cents, lowest_price_2_cents, lowest_price_4_cents,
         total_tickets, total_listings, toUInt32(0) AS duplicate_listings
  FROM zone_snapshots WHERE event_id = {event_id:String} AND source = ''
)`;

// A source may list two zone ids under one name: the name is what sources have in common.
const SOURCES_NOW = `
SELECT source, max(toUnixTimestamp64Milli(scraped_at)) AS scraped_at_ms, zone,
       min(lowest_price_cents) AS get_in_cents, min(lowest_price_2_cents) AS get_in_2_cents,
       min(lowest_price_4_cents) AS get_in_4_cents, toUInt64(sum(total_tickets)) AS tickets,
       toUInt64(sum(total_listings)) AS listings, toUInt64(sum(duplicate_listings)) AS duplicate_listings
FROM (
  SELECT toString(source) AS source, scraped_at, zone, lowest_price_cents, lowest_price_2_cents, lowest_price_4_cents,
         total_tickets, total_listings, toUInt32(0) AS duplicate_listings
  FROM zone_snapshots
  WHERE event_id = {event_id:String} AND source != ''
    AND snapshot_id IN (
      SELECT argMax(snapshot_id, (scraped_at, kafka_offset)) FROM snapshots
      WHERE event_id = {event_id:String} AND source != '' GROUP BY source)
  UNION ALL
  SELECT 'all' AS source, scraped_at, zone, lowest_price_cents, lowest_price_2_cents, lowest_price_4_cents,
         total_tickets, total_listings, duplicate_listings
  FROM ${ALL_ROWS}
  WHERE snapshot_id = (SELECT argMax(snapshot_id, (scraped_at, kafka_offset)) FROM ${ALL_ROWS})
)
GROUP BY source, zone
ORDER BY source, zone`;

export function sourcesNow(store: Store, eventId: string): Promise<SourceZoneRow[]> {
  return store.query<SourceZoneRow>(SOURCES_NOW, { event_id: eventId });
}
