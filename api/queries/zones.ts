// Zones of an event and their latest metrics, from zone_snapshots (one row per zone and scrape).
import type { Store } from '../../lib/clickhouse/store.ts';

const ZONE_EXISTS = `
SELECT 1 AS found FROM zone_snapshots
WHERE event_id = {event_id:String} AND zone = {zone:String}
LIMIT 1`;

/** True when the event has at least one scrape of this zone. */
export async function zoneExists(store: Store, eventId: string, zone: string): Promise<boolean> {
  const rows = await store.query<{ found: number }>(ZONE_EXISTS, { event_id: eventId, zone });
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

const LATEST_ZONES = `
SELECT zone_id, zone, toUnixTimestamp64Milli(scraped_at) AS scraped_at_ms, sections, days_to_event,
       lowest_price_cents, lowest_base_price_cents, average_price_cents, median_price_cents, highest_price_cents,
       lowest_price_2_cents, lowest_price_4_cents, priced_listings, total_tickets, total_listings, available,
       outlier_listings
FROM zone_snapshots
WHERE event_id = {event_id:String}
ORDER BY zone ASC, scraped_at DESC
LIMIT 1 BY zone`;

/** The latest scrape of every zone of the event, by zone name. */
export function latestZones(store: Store, eventId: string): Promise<LatestZoneRow[]> {
  return store.query<LatestZoneRow>(LATEST_ZONES, { event_id: eventId });
}
