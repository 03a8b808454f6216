// The metrics consumer's reads, one function per question (like api/queries/). All run on the
// store's ingest connection, so they never queue ahead of the API's reads in embedded mode.
import { chDateTime, toNumber } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';

/** Where each snapshot id was written from (partition:offset), among ids with these events and times. */
export async function writtenFrom(
  store: Store,
  wanted: { events: string[]; times: number[]; ids: string[] },
): Promise<Map<string, string>> {
  // A copy carries the same event and scrape time, so the primary key narrows the lookup.
  const rows = await store.ingestQuery<{ snapshot_id: string; p: number; o: number | string }>(
    `SELECT snapshot_id, kafka_partition AS p, kafka_offset AS o FROM ${TABLES.snapshots}
     WHERE event_id IN {events:Array(String)} AND scraped_at IN {times:Array(DateTime64(3, 'UTC'))}
       AND snapshot_id IN {ids:Array(String)}`,
    { events: wanted.events, times: wanted.times.map(chDateTime), ids: wanted.ids },
  );
  const out = new Map<string, string>();
  for (const r of rows) if (!out.has(r.snapshot_id)) out.set(r.snapshot_id, `${r.p}:${r.o}`);
  return out;
}

/** A zone_snapshots row as the zone-metrics topic carries it (schemas/ZoneMetrics.avsc). */
export interface ZoneRow {
  event_id: string;
  snapshot_id: string;
  scraped_at: number;
  zone_id: string;
  zone: string;
  sections: number;
  days_to_event: number | null;
  lowest_price_cents: number | null;
  lowest_base_price_cents: number | null;
  average_price_cents: number | null;
  median_price_cents: number | null;
  highest_price_cents: number | null;
  lowest_price_2_cents: number | null;
  lowest_price_4_cents: number | null;
  total_tickets: number;
  total_listings: number;
  available: boolean;
  outlier_listings: number;
  rejected_listings: number;
}

/**
 * The zone rows ClickHouse computed for these snapshots: what the side outputs publish. Over all
 * the event's sources (zone_snapshots_all_sources: for an event on one source, its own zone rows), so
 * downstream readers and the rollup windows see one series per zone, as before.
 */
export async function zoneRowsOf(
  store: Store,
  snapshots: Array<{ event_id: string; scraped_at: number; snapshot_id: string }>,
): Promise<ZoneRow[]> {
  if (snapshots.length === 0) return [];
  const rows = await store.ingestQuery<
    Omit<ZoneRow, 'scraped_at' | 'available'> & { scraped_at_ms: number | string; available: boolean | number }
  >(
    `SELECT event_id, snapshot_id, toUnixTimestamp64Milli(scraped_at) AS scraped_at_ms, zone_id, zone, sections,
       days_to_event, lowest_price_cents, lowest_base_price_cents, average_price_cents, median_price_cents,
       highest_price_cents, lowest_price_2_cents, lowest_price_4_cents, total_tickets, total_listings,
       available, outlier_listings, rejected_listings
     FROM ${TABLES.zoneSnapshotsAllSources}
     WHERE event_id IN {events:Array(String)} AND scraped_at IN {times:Array(DateTime64(3, 'UTC'))}
       AND snapshot_id IN {ids:Array(String)}
     ORDER BY scraped_at_ms, snapshot_id, zone_id`,
    {
      events: [...new Set(snapshots.map((s) => s.event_id))],
      times: [...new Set(snapshots.map((s) => s.scraped_at))].map(chDateTime),
      ids: snapshots.map((s) => s.snapshot_id),
    },
  );
  return rows.map(({ scraped_at_ms, ...r }) => ({
    ...r,
    scraped_at: toNumber(scraped_at_ms),
    available: Boolean(r.available),
  }));
}
