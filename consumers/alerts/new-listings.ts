// What a new_listings rule counts: the listings that came on sale at the record's scrape, as the
// listing lifecycle judged them (`listing_changes` rows of kind `new` of the record's snapshot:
// not the first snapshot's baseline, not a listing back within the relist window, nothing from a
// partial scrape). They are written in the same insert as the zone rows, before the record is
// published. On an event with several sources each source's scrape brings its own new listings.
import type { Store } from '../../lib/clickhouse/store.ts';
import type { ZoneMetricsRecord } from './observation.ts';

export interface NewListings {
  /** In the record's zone. */
  zone: number;
  /** By section of the zone (a section without a row had none). */
  sections: Map<string, number>;
}

export class NewListingsReader {
  constructor(private readonly store: Store) {}

  async of(m: ZoneMetricsRecord): Promise<NewListings> {
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
