// Section-scoped rules: tws.metrics.zones.v1 carries zones only, so the section's metrics of the
// same scrape come from `section_snapshots`, which the metrics consumer writes around the time it
// publishes the zone record (possibly just after). A zone's sections are written in one insert: once
// any row of (snapshot, zone) is there, a missing section had no listings at that scrape.
import type { Store } from '../../lib/clickhouse/store.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { pause } from '../../lib/abort.ts';
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
    /** How long to wait for the zone's section rows to appear. */
    private readonly waitMs = 30_000,
    private readonly pollMs = 250,
  ) {}

  /**
   * The zone's section rows of this scrape, by section name; null when they did not appear in time
   * (or the zone has no sections).
   */
  async sectionsOf(m: ZoneMetricsRecord, signal?: AbortSignal): Promise<Map<string, Observation> | null> {
    if (m.sections === 0) return null;
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const rows = await this.store.ingestQuery<SectionRow>(
        `SELECT section, lowest_price_cents, lowest_base_price_cents, lowest_price_2_cents, lowest_price_4_cents,
                total_tickets, total_listings
         FROM section_snapshots
         WHERE event_id = {event:String} AND scraped_at = {at:DateTime64(3, 'UTC')}
           AND snapshot_id = {snapshot:String} AND zone_id = {zone:String}`,
        { event: m.event_id, at: chDateTime(m.scraped_at), snapshot: m.snapshot_id, zone: m.zone_id },
      );
      if (rows.length > 0) return new Map(rows.map((r) => [r.section, toObservation(m, r)]));
      if (Date.now() >= deadline || signal?.aborted) return null;
      await pause(this.pollMs, signal);
    }
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
  };
}
