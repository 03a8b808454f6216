// Section-scoped rules: tws.metrics.zones.v1 carries zones only, so a section's metrics come from
// `section_snapshots`. A zone record is over all the event's sources (one per zone name), so its
// sections are too: for each source, the zone's sections in its latest scrape (up to the
// record's time, at most TWS_ALL_SOURCES_MAX_AGE_SECONDS old, as the all-sources zone rows); lowest
// prices are the lowest over the sources, tickets and listings their sum (cross-site duplicates are
// not removed at section level). An event on one source reads exactly its own scrape's sections.
// The record's own snapshot is written before the record is published; the wait is for a store
// that shows writes late (a server replica), table by table.
import type { Store } from '../../lib/clickhouse/store.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { pollUntil } from '../../lib/abort.ts';
import type { Observation, ZoneMetricsRecord } from './observation.ts';

interface SectionRow {
  section: string;
  lowest_price_cents: number | null;
  lowest_base_price_cents: number | null;
  lowest_price_2_cents: number | null;
  lowest_price_4_cents: number | null;
  total_tickets: number;
  total_listings: number;
}

export class SectionReader {
  constructor(
    private readonly store: Store,
    /** How old another source's scrape may be and still count (TWS_ALL_SOURCES_MAX_AGE_SECONDS). */
    private readonly maxAgeSeconds = 3_600,
    /** How long to wait for the record's own snapshot to show in the store. */
    private readonly waitMs = 30_000,
    private readonly pollMs = 250,
  ) {}

  /**
   * The zone's sections at this record, by section name (empty: no source listed any); null when
   * the record's snapshot did not show in time, or the zone has no sections.
   */
  async sectionsOf(m: ZoneMetricsRecord, signal?: AbortSignal): Promise<Map<string, Observation> | null> {
    if (m.sections === 0) return null;
    const params = {
      event: m.event_id,
      at: chDateTime(m.scraped_at),
      snapshot: m.snapshot_id,
      zone: m.zone,
      age: this.maxAgeSeconds,
    };
    // The own snapshot is in when its `snapshots` row shows and so do all its section rows (one
    // per distinct (zone id, section), as `snapshots.sections` counts them): the two tables are
    // filled by sibling views, and a replica fetches their parts apart.
    const shown = await pollUntil(
      async () => {
        const [own] = await this.store.ingestQuery<{ n: number; sections: number; rows: number }>(
          `SELECT count() AS n, max(sections) AS sections,
             (SELECT count() FROM section_snapshots
              WHERE event_id = {event:String} AND scraped_at = {at:DateTime64(3, 'UTC')}
                AND snapshot_id = {snapshot:String}) AS rows
           FROM snapshots
           WHERE event_id = {event:String} AND scraped_at = {at:DateTime64(3, 'UTC')} AND snapshot_id = {snapshot:String}`,
          params,
        );
        return Number(own?.n ?? 0) > 0 && Number(own?.rows) >= Number(own?.sections);
      },
      { waitMs: this.waitMs, pollMs: this.pollMs, signal },
    );
    if (!shown) return null;
    const rows = await this.store.ingestQuery<SectionRow>(
      `SELECT section, min(lowest_price_cents) AS lowest_price_cents, min(lowest_base_price_cents) AS lowest_base_price_cents,
              min(lowest_price_2_cents) AS lowest_price_2_cents, min(lowest_price_4_cents) AS lowest_price_4_cents,
              sum(total_tickets) AS total_tickets, sum(total_listings) AS total_listings
       FROM section_snapshots
       WHERE event_id = {event:String} AND zone = {zone:String}
         AND snapshot_id IN (
           SELECT argMax(snapshot_id, (scraped_at, kafka_partition, kafka_offset)) FROM snapshots
           WHERE event_id = {event:String} AND scraped_at <= {at:DateTime64(3, 'UTC')}
             AND scraped_at >= {at:DateTime64(3, 'UTC')} - toIntervalSecond({age:UInt32})
           GROUP BY source)
       GROUP BY section`,
      params,
    );
    return new Map(rows.map((r) => [r.section, toObservation(m, r)]));
  }
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function toObservation(m: ZoneMetricsRecord, r: SectionRow): Observation {
  return {
    at: m.scraped_at,
    snapshot_id: m.snapshot_id,
    event_id: m.event_id,
    zone_id: m.zone_id,
    zone: m.zone,
    section: r.section,
    lowest_price_cents: num(r.lowest_price_cents),
    lowest_base_price_cents: num(r.lowest_base_price_cents),
    lowest_price_2_cents: num(r.lowest_price_2_cents),
    lowest_price_4_cents: num(r.lowest_price_4_cents),
    tickets: Number(r.total_tickets),
    listings: Number(r.total_listings),
    new_listings: null,
  };
}

/** A section of the rule's own zone without listings at this scrape: no price, no tickets. */
export function emptySection(m: ZoneMetricsRecord, section: string): Observation {
  return {
    at: m.scraped_at,
    snapshot_id: m.snapshot_id,
    event_id: m.event_id,
    zone_id: m.zone_id,
    zone: m.zone,
    section,
    lowest_price_cents: null,
    lowest_base_price_cents: null,
    lowest_price_2_cents: null,
    lowest_price_4_cents: null,
    tickets: 0,
    listings: 0,
    new_listings: null,
  };
}
