// Zones of an event and their latest metrics. All sources: zone_snapshots_all_sources (one row per
// zone name and snapshot), with zone_snapshots rows written without a source (before sources were
// recorded; the two never overlap). One source: its zone_snapshots rows.
import type { Store } from '../../lib/clickhouse/store.ts';

/** 'all' or a source name. */
export type SourceScope = string;

const ALL_ZONE_ROWS = `(
  SELECT * EXCEPT (source, sources, snapshot_ids, duplicate_listings) FROM zone_snapshots_all_sources
  WHERE event_id = {event_id:String}
  UNION ALL
  SELECT * EXCEPT (source) FROM zone_snapshots WHERE event_id = {event_id:String} AND source = ''
)`;
const SOURCE_ZONE_ROWS = `(SELECT * FROM zone_snapshots WHERE event_id = {event_id:String} AND source = {source:String})`;
const params = (eventId: string, source: SourceScope, extra: Record<string, unknown> = {}) => ({
  event_id: eventId,
  ...(source !== 'all' && { source }),
  ...extra,
});

/** True when the event has at least one scrape of this zone (on this source, or on any). */
export async function zoneExists(
  store: Store,
  eventId: string,
  zone: string,
  source: SourceScope = 'all',
): Promise<boolean> {
  const sql =
    source === 'all'
      ? `SELECT 1 AS found FROM zone_snapshots WHERE event_id = {event_id:String} AND zone = {zone:String}
         UNION ALL
         SELECT 1 AS found FROM zone_snapshots_all_sources WHERE event_id = {event_id:String} AND zone = {zone:String}
         LIMIT 1`
      : `SELECT 1 AS found FROM zone_snapshots
         WHERE event_id = {event_id:String} AND zone = {zone:String} AND source = {source:String} LIMIT 1`;
  const rows = await store.query<{ found: number }>(sql, params(eventId, source, { zone }));
  return rows.length > 0;
}

export interface LatestZoneRow {
  zone_id: string;
  zone: string;
  scraped_at_ms: number;
  sections: number;
  days_to_event: number | null;
  lowest_price_cents: number | null;
  lowest_base_price_cents: number | null;
  average_price_cents: number | null;
  median_price_cents: number | null;
  highest_price_cents: number | null;
  lowest_price_2_cents: number | null;
  lowest_price_4_cents: number | null;
  priced_listings: number;
  total_tickets: number;
  total_listings: number;
  available: boolean;
  outlier_listings: number;
}

const latestZonesOf = (rows: string) => `
SELECT zone_id, zone, toUnixTimestamp64Milli(scraped_at) AS scraped_at_ms, sections, days_to_event,
       lowest_price_cents, lowest_base_price_cents, average_price_cents, median_price_cents, highest_price_cents,
       lowest_price_2_cents, lowest_price_4_cents, priced_listings, total_tickets, total_listings, available,
       outlier_listings
FROM ${rows}
ORDER BY zone ASC, scraped_at DESC, kafka_offset DESC
LIMIT 1 BY zone`;
const LATEST_ZONES = { all: latestZonesOf(ALL_ZONE_ROWS), source: latestZonesOf(SOURCE_ZONE_ROWS) };

/** The latest scrape of every zone of the event, by zone name: over all its sources, or on one. */
export function latestZones(store: Store, eventId: string, source: SourceScope = 'all'): Promise<LatestZoneRow[]> {
  return store.query<LatestZoneRow>(LATEST_ZONES[source === 'all' ? 'all' : 'source'], params(eventId, source));
}
