// The metrics consumer's handler. JavaScript reads only each snapshot's header (ids and times) to
// drop copies and check plausibility; ClickHouse decodes the records and computes every row
// (landing.ts, views.ts). Afterwards the zone rows ClickHouse produced are read back once per range
// and published as zone metrics, and they move the window tracker that emits closed rollups.
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { Config } from '../../lib/config.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Logger } from '../../lib/logger.ts';
import { recordsConsumed } from '../../lib/metrics.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import type { AvroCodec } from '../../lib/registry/codec.ts';
import type { BatchHandler, Prepared, SourceRecord } from '../runner/batch-runner.ts';
import { WindowTracker } from '../windows/tracker.ts';
import type { SnapshotRecord } from './header.ts';
import { writtenFrom, zoneRowsOf, type ZoneRow } from './queries.ts';
import { decodeSnapshot, firstCopies, landingWrite } from './records.ts';
import { RollupEmitter } from './rollup-emitter.ts';

const DAY_MS = 86_400_000;
/** How long closed windows are remembered (for late-record corrections); also the restore look-back. */
const LATE_RETENTION_MS = 2 * DAY_MS;

export interface SnapshotHandlerDeps {
  config: Config;
  store: Store;
  codec: AvroCodec;
  producer: AvroProducer;
  log: Logger;
  group: string;
  /** Emit zone metrics and closed windows to Kafka (on by default). */
  sideOutputs?: boolean;
}

export class SnapshotHandler implements BatchHandler<SnapshotRecord> {
  private readonly trackers = new Map<number, WindowTracker>();
  /** Recently written snapshot ids → partition:offset they were written from (saves a lookup). */
  private readonly seen = new Map<string, string>();
  private readonly emitter: RollupEmitter;
  readonly stats = { snapshots: 0, duplicates: 0, late: 0 };
  /** Where ClickHouse fetches the writer schemas; may carry credentials: never log it as is. */
  private readonly registryForClickHouse: string;

  constructor(private readonly deps: SnapshotHandlerDeps) {
    this.registryForClickHouse = registryUrlForClickHouse(deps.config);
    this.emitter = new RollupEmitter({ store: deps.store, producer: deps.producer, group: deps.group, log: deps.log });
  }

  decode(value: Buffer | null, topic: string): Promise<SnapshotRecord> {
    return decodeSnapshot(this.deps.codec, value, topic);
  }

  tracker(partition: number): WindowTracker {
    let t = this.trackers.get(partition);
    if (!t) this.trackers.set(partition, (t = new WindowTracker({ lateRetentionMs: LATE_RETENTION_MS })));
    return t;
  }

  /** Rebuilds the partition's open windows from what ClickHouse already holds. */
  async onPartitionLoaded(_topic: string, partition: number): Promise<void> {
    const tracker = new WindowTracker({ lateRetentionMs: LATE_RETENTION_MS });
    this.trackers.set(partition, tracker);
    await this.emitter.restore(tracker, partition, this.deps.config.consumer.windowGraceSeconds * 1000);
  }

  async prepare(
    records: SourceRecord<SnapshotRecord>[],
    where: { partition: number },
  ): Promise<Prepared<SnapshotRecord>> {
    const { config, store, codec, producer } = this.deps;
    const { keep, duplicates, copies } = firstCopies(records, await this.firstSightings(records));
    for (const r of duplicates) {
      this.stats.duplicates++;
      recordsConsumed.inc({ topic: r.topic, result: 'duplicate' });
    }
    const side = this.deps.sideOutputs ?? true;
    const tracker = this.tracker(where.partition);
    let zones: ZoneRow[] = [];
    let written: SourceRecord<SnapshotRecord>[] = [];
    return {
      encoded: await landingWrite(
        { config, store, codec, registryUrl: this.registryForClickHouse },
        TABLES.snapshotLanding,
        records,
        { keep, copies },
      ),
      // After the rows are in: what ClickHouse computed for the snapshots that made it.
      publish: async (inClickHouse) => {
        written = inClickHouse;
        zones = await zoneRowsOf(
          store,
          written.map((r) => r.value.header),
        );
        if (side && zones.length)
          await producer.send(
            'zoneMetrics',
            zones.map((z) => ({ key: z.event_id, value: zoneMetricRecord(z) })),
          );
      },
      // Only ids whose rows are in ClickHouse count as seen: an abandoned batch must not hide its own replay.
      afterWrite: async () => {
        for (const r of written) this.remember(r.value.header.snapshot_id, `${r.partition}:${r.offset}`);
        this.stats.snapshots += written.length;
        for (const z of zones) {
          if (tracker.observe(z.event_id, z.zone, z.scraped_at).late) {
            this.stats.late++;
            recordsConsumed.inc({ topic: producer.topics.snapshots, result: 'late' });
          }
        }
        if (side) await this.emitter.emitDue(tracker, where.partition, config.consumer.windowGraceSeconds * 1000);
      },
    };
  }

  /** Quiet partitions: let wall-clock time close their windows (only called when caught up). */
  async onIdle(): Promise<void> {
    if (this.deps.sideOutputs === false) return;
    const grace = this.deps.config.consumer.windowGraceSeconds * 1000;
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
  private async firstSightings(records: SourceRecord<SnapshotRecord>[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unknown = records.filter((r) => {
      const at = this.seen.get(r.value.header.snapshot_id);
      if (at !== undefined) out.set(r.value.header.snapshot_id, at);
      return at === undefined;
    });
    if (unknown.length === 0) return out;
    const stored = await writtenFrom(this.deps.store, {
      events: [...new Set(unknown.map((r) => r.value.header.event_id))],
      times: [...new Set(unknown.map((r) => r.value.header.scraped_at))],
      ids: unknown.map((r) => r.value.header.snapshot_id),
    });
    for (const [id, at] of stored) if (!out.has(id)) out.set(id, at);
    return out;
  }
}

/** A zone row as a ZoneMetrics record (schemas/ZoneMetrics.avsc): the same fields, in its order. */
export const zoneMetricRecord = (z: ZoneRow) => ({
  event_id: z.event_id,
  snapshot_id: z.snapshot_id,
  scraped_at: z.scraped_at,
  zone_id: z.zone_id,
  zone: z.zone,
  sections: z.sections,
  days_to_event: z.days_to_event,
  lowest_price_cents: z.lowest_price_cents,
  lowest_base_price_cents: z.lowest_base_price_cents,
  average_price_cents: z.average_price_cents,
  median_price_cents: z.median_price_cents,
  highest_price_cents: z.highest_price_cents,
  lowest_price_2_cents: z.lowest_price_2_cents,
  lowest_price_4_cents: z.lowest_price_4_cents,
  total_tickets: z.total_tickets,
  total_listings: z.total_listings,
  available: z.available,
  outlier_listings: z.outlier_listings,
  rejected_listings: z.rejected_listings,
});
