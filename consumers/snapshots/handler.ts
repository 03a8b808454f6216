// The metrics consumer's handler: raw snapshots in; section, zone, snapshot and raw-listing rows
// out (the rollups follow by materialized view); zone metrics and closed-window rollups published.
import type { Config } from '../../lib/config.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Logger } from '../../lib/logger.ts';
import { listingRejects, recordsConsumed } from '../../lib/metrics.ts';
import type { ListingSnapshot } from '../../lib/model.ts';
import { computeSnapshotMetrics } from '../metrics/compute.ts';
import { TrailingMedians, zoneKey } from '../metrics/outliers.ts';
import type { BatchHandler, Prepared, SourceRecord } from '../runner/batch-runner.ts';
import { WindowTracker } from '../windows/tracker.ts';
import { RollupEmitter } from './rollup-emitter.ts';
import {
  RAW_LISTING_COLUMNS,
  rawListingRows,
  sectionRows,
  snapshotRow,
  zoneMetricRecords,
  zoneRows,
  type RowContext,
} from './rows.ts';
import { validateSnapshot } from './validate.ts';

const DAY_MS = 86_400_000;
/** Snapshots computed between two turns of the event loop (about 5–10 ms of work at 200 listings). */
const YIELD_EVERY = 16;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** How long closed windows are remembered (for late-record corrections); also the restore look-back. */
const LATE_RETENTION_MS = 2 * DAY_MS;

export interface SnapshotHandlerDeps {
  config: Config;
  store: Store;
  producer: AvroProducer;
  log: Logger;
  group: string;
  /** Emit zone metrics and closed windows to Kafka (on by default). */
  sideOutputs?: boolean;
}

export class SnapshotHandler implements BatchHandler<ListingSnapshot> {
  readonly medians = new TrailingMedians();
  private readonly trackers = new Map<number, WindowTracker>();
  /** Recently written snapshot ids → partition:offset they were written from (saves a lookup). */
  private readonly seen = new Map<string, string>();
  private readonly emitter: RollupEmitter;
  readonly stats = { snapshots: 0, duplicates: 0, late: 0 };

  constructor(private readonly d: SnapshotHandlerDeps) {
    this.emitter = new RollupEmitter({ store: d.store, producer: d.producer, group: d.group, log: d.log });
  }

  validate(value: ListingSnapshot): void {
    validateSnapshot(value);
  }

  tracker(partition: number): WindowTracker {
    let t = this.trackers.get(partition);
    if (!t) this.trackers.set(partition, (t = new WindowTracker({ lateRetentionMs: LATE_RETENTION_MS })));
    return t;
  }

  /** Rebuilds the partition's outlier medians and open windows from what ClickHouse already holds. */
  async onPartitionLoaded(_topic: string, partition: number): Promise<void> {
    const medians = await this.d.store.ingestQuery<{ event_id: string; zone_id: string; t: number; m: number }>(
      `SELECT event_id, zone_id, toUnixTimestamp64Milli(scraped_at) AS t, median_price_cents AS m
       FROM zone_snapshots
       WHERE kafka_partition = {p:UInt32} AND median_price_cents IS NOT NULL
         AND scraped_at > (SELECT max(scraped_at) FROM zone_snapshots WHERE kafka_partition = {p:UInt32}) - INTERVAL 1 DAY`,
      { p: partition },
    );
    for (const r of medians) this.medians.observe(zoneKey(r.event_id, r.zone_id), Number(r.t), Number(r.m));
    const tracker = new WindowTracker({ lateRetentionMs: LATE_RETENTION_MS });
    this.trackers.set(partition, tracker);
    await this.emitter.restore(tracker, partition, this.d.config.consumer.windowGraceSeconds * 1000);
  }

  async prepare(records: SourceRecord<ListingSnapshot>[], where: { partition: number }): Promise<Prepared> {
    const cfg = this.d.config.consumer;
    const contexts: RowContext[] = [];
    const firstSeen = await this.firstSightings(records);
    const tracker = this.tracker(where.partition);
    for (const [i, r] of records.entries()) {
      // A batch is seconds of CPU; let the API's requests in the same process run in between.
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      const snap = r.value;
      // A copy of a snapshot already stored under another offset is a duplicate. The same offset is
      // the same record (an earlier attempt at this range) and must be written again in full.
      const at = `${r.partition}:${r.offset}`;
      const prior = firstSeen.get(snap.snapshot_id);
      if (prior !== undefined && prior !== at) {
        this.stats.duplicates++;
        recordsConsumed.inc({ topic: r.topic, result: 'duplicate' });
        continue;
      }
      firstSeen.set(snap.snapshot_id, at);
      const metrics = computeSnapshotMetrics(snap, {
        basis: 'all_in',
        outlierRatio: cfg.outlierRatio,
        excludeOutliers: cfg.excludeOutliers,
        medians: this.medians,
      });
      for (const z of metrics.zones) {
        if (tracker.observe(snap.event_id, z.zone, snap.scraped_at).late) {
          this.stats.late++;
          recordsConsumed.inc({ topic: r.topic, result: 'late' });
        }
      }
      for (const v of metrics.listings) if (v.rejectedReason) listingRejects.inc({ reason: v.rejectedReason });
      if (metrics.outliers) listingRejects.inc({ reason: 'outlier' }, metrics.outliers);
      contexts.push({ snapshot: snap, metrics, partition: r.partition, offset: r.offset });
      this.stats.snapshots++;
    }
    const newest = Math.max(0, ...contexts.map((c) => c.snapshot.scraped_at));
    if (newest) this.medians.evict(newest - 2 * DAY_MS);
    const inserts: Prepared['inserts'] = [
      { table: 'snapshots', rows: contexts.map(snapshotRow) },
      { table: 'section_snapshots', rows: contexts.flatMap(sectionRows) },
      { table: 'zone_snapshots', rows: contexts.flatMap(zoneRows) },
    ];
    if (cfg.rawListings)
      inserts.push({ table: 'raw_listings', rows: contexts.flatMap(rawListingRows), columns: RAW_LISTING_COLUMNS });
    const side = this.d.sideOutputs ?? true;
    return {
      inserts,
      beforeWrite: side
        ? () =>
            this.d.producer.send(
              'zoneMetrics',
              contexts.flatMap(zoneMetricRecords).map((value) => ({ key: value.event_id, value })),
            )
        : undefined,
      // Only ids whose rows are in ClickHouse count as seen: an abandoned batch must not hide its own replay.
      afterWrite: async () => {
        for (const c of contexts) this.remember(c.snapshot.snapshot_id, `${c.partition}:${c.offset}`);
        if (side) await this.emitter.emitDue(tracker, where.partition, cfg.windowGraceSeconds * 1000);
      },
    };
  }

  /** Quiet partitions: let wall-clock time close their windows (only called when caught up). */
  async onIdle(): Promise<void> {
    if (this.d.sideOutputs === false) return;
    const grace = this.d.config.consumer.windowGraceSeconds * 1000;
    for (const [partition, tracker] of this.trackers) {
      if (tracker.advanceIdle(Date.now(), grace)) await this.emitter.emitDue(tracker, partition, grace);
    }
  }

  private remember(id: string, at: string): void {
    this.seen.set(id, at);
    if (this.seen.size > 200_000) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  /** Where each snapshot id of the batch was first written: memory first, then ClickHouse. */
  private async firstSightings(records: SourceRecord<ListingSnapshot>[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unknown = records.filter((r) => {
      const at = this.seen.get(r.value.snapshot_id);
      if (at !== undefined) out.set(r.value.snapshot_id, at);
      return at === undefined;
    });
    if (unknown.length === 0) return out;
    // A copy carries the same event and scrape time, so the primary key narrows the lookup.
    const rows = await this.d.store.ingestQuery<{ snapshot_id: string; p: number; o: number | string }>(
      `SELECT snapshot_id, kafka_partition AS p, kafka_offset AS o FROM snapshots
       WHERE event_id IN {events:Array(String)} AND scraped_at IN {times:Array(DateTime64(3, 'UTC'))}
         AND snapshot_id IN {ids:Array(String)}`,
      {
        events: [...new Set(unknown.map((r) => r.value.event_id))],
        times: [...new Set(unknown.map((r) => chDateTime(r.value.scraped_at)))],
        ids: unknown.map((r) => r.value.snapshot_id),
      },
    );
    for (const row of rows) if (!out.has(row.snapshot_id)) out.set(row.snapshot_id, `${row.p}:${row.o}`);
    return out;
  }
}
