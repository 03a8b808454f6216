// What a new_listings rule counts: the listings that came on sale at the record's scrape, as the
// listing lifecycle judged them (`listing_changes` rows of kind `new` of the record's snapshot:
// not the first snapshot's baseline, not a listing back within the relist window, nothing from a
// partial scrape). The lifecycle consumer writes them in its own insert, independently of the zone
// rows (its own consumer group), so the reader first waits, boundedly, for the lifecycle to have
// judged the record's snapshot (`lifecycle_snapshots`); until then "no new listings" would be a
// guess. On an event with several sources each source's scrape brings its own new listings.
import { pollUntil } from '../../lib/abort.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { ZoneMetricsRecord } from './observation.ts';

export interface NewListings {
  /** In the record's zone. */
  zone: number;
  /** By section of the zone (a section without a row had none). */
  sections: Map<string, number>;
}

export class NewListingsReader {
  constructor(
    private readonly store: Store,
    /** How long to wait for the lifecycle to judge the record's snapshot. */
    private readonly waitMs = 30_000,
    private readonly pollMs = 250,
  ) {}

  /** The new listings at this record; null when the lifecycle did not judge its snapshot in time. */
  async of(m: ZoneMetricsRecord, signal?: AbortSignal): Promise<NewListings | null> {
    const judged = await pollUntil(
      async () => {
        const [row] = await this.store.ingestQuery<{ n: number }>(
          `SELECT count() AS n FROM lifecycle_snapshots WHERE event_id = {event:String} AND snapshot_id = {snapshot:String}`,
          { event: m.event_id, snapshot: m.snapshot_id },
        );
        return Number(row?.n ?? 0) > 0;
      },
      { waitMs: this.waitMs, pollMs: this.pollMs, signal },
    );
    if (!judged) return null;
    const rows = await this.store.ingestQuery<{ section: string; n: number }>(
      `SELECT section, count() AS n FROM listing_changes
       WHERE event_id = {event:String} AND snapshot_id = {snapshot:String} AND zone = {zone:String} AND kind = 'new'
       GROUP BY section`,
      { event: m.event_id, snapshot: m.snapshot_id, zone: m.zone },
    );
    const sections = new Map(rows.map((r) => [r.section, Number(r.n)]));
    return { zone: [...sections.values()].reduce((a, b) => a + b, 0), sections };
  }
}
