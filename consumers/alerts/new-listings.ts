// What a new_listings rule counts: the listings that came on sale at the record's scrape, as the
// listing lifecycle judged them (`listing_changes` rows of kind `new` of the record's snapshot:
// not the first snapshot's baseline, not a listing back within the relist window, nothing from a
// partial scrape). The lifecycle consumer writes them in its own insert, independently of the zone
// rows (its own consumer group), so the reader first waits, boundedly, for the lifecycle to have
// finished the record's snapshot; until then "no new listings" would be a guess. Finished means
// its `lifecycle_snapshots` row exists AND the lifecycle's ledger holds that row's offset
// (offset-ledger.ts `ledgerHolds`: read as the runner reads it). The insert's views run side by side
// (parallel_view_processing), so the snapshot's row may land before its listing changes do: the
// row alone once let a reader count a snapshot whose changes were still being written. On a cluster
// the reader's replica fetches listing_changes' announced parts before counting (a replica fetches
// each table's parts on its own).
// On an event with several sources each source's scrape brings its own new listings.
import { pollUntil } from '../../lib/abort.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { syncReplica } from '../../lib/clickhouse/replica-sync.ts';
import { toNumber } from '../../lib/clickhouse/format.ts';
import { OffsetLedger, ledgerHolds } from '../runner/offset-ledger.ts';
import type { ZoneMetricsRecord } from './observation.ts';

/** Whose ledger says a snapshot is finished: the lifecycle consumer group, over the snapshot topic. */
export interface LifecycleLedger {
  group: string;
  topic: string;
}

export interface NewListings {
  /** In the record's zone. */
  zone: number;
  /** By section of the zone (a section without a row had none). */
  sections: Map<string, number>;
}

export class NewListingsReader {
  private readonly ledger: OffsetLedger;
  private readonly topic: string;

  constructor(
    private readonly store: Store,
    lifecycle: LifecycleLedger,
    /** How long to wait for the lifecycle to judge the record's snapshot. */
    private readonly waitMs = 30_000,
    private readonly pollMs = 250,
  ) {
    this.ledger = new OffsetLedger(store, lifecycle.group);
    this.topic = lifecycle.topic;
  }

  /** The new listings at this record; null when the lifecycle did not judge its snapshot in time. */
  async of(m: ZoneMetricsRecord, signal?: AbortSignal): Promise<NewListings | null> {
    const judged = await pollUntil(
      async () => {
        const [row] = await this.store.ingestQuery<{ p: number; o: number | string }>(
          `SELECT kafka_partition AS p, kafka_offset AS o FROM ${TABLES.lifecycleSnapshots}
           WHERE event_id = {event:String} AND snapshot_id = {snapshot:String} LIMIT 1`,
          { event: m.event_id, snapshot: m.snapshot_id },
        );
        if (!row) return false;
        const p = toNumber(row.p);
        return ledgerHolds(await this.ledger.read(this.topic, p), BigInt(row.o));
      },
      { waitMs: this.waitMs, pollMs: this.pollMs, signal },
    );
    if (!judged) return null;
    // The ledger says the insert is done; on a cluster this replica may not have fetched the parts
    // of listing_changes yet (the ledger was synced, the changes were not): fetch what Keeper announced.
    await syncReplica(this.store, [TABLES.listingChanges]);
    const rows = await this.store.ingestQuery<{ section: string; n: number }>(
      `SELECT section, count() AS n FROM ${TABLES.listingChanges}
       WHERE event_id = {event:String} AND snapshot_id = {snapshot:String} AND zone = {zone:String} AND kind = 'new'
       GROUP BY section`,
      { event: m.event_id, snapshot: m.snapshot_id, zone: m.zone },
    );
    const sections = new Map(rows.map((r) => [r.section, Number(r.n)]));
    return { zone: [...sections.values()].reduce((a, b) => a + b, 0), sections };
  }
}
