// Emits closed (and corrected) hourly/daily windows to tws.rollups.zones.v1. The numbers come from
// ClickHouse's merged rollups, so they include every record written so far, late ones too; which
// windows were emitted is recorded in `rollup_emissions`, so a restarted consumer resumes exactly.
//
// Revisions only grow, per window and consumer group, across restarts and `tws replay`: an emission
// takes the tracker's revision or, when `rollup_emissions` already holds that window, its revision
// + 1. A downstream consumer that keeps the highest revision per window (docs/topics.md) therefore
// ends with the values a replay recomputed. A window past the late-data horizon is emitted once more
// with `final: true`: nothing changes it on the topic after that.
import type { Store } from '../../lib/clickhouse/store.ts';
import { toNumber } from '../../lib/clickhouse/format.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Logger } from '../../lib/logger.ts';
import { TimeSlicer } from '../../lib/time-slice.ts';
import type { WindowEmission, WindowTracker } from '../windows/tracker.ts';
import { rollupTopicKey } from '../windows/window.ts';
import {
  emittedWindows,
  lastRevisions,
  recentZoneSightings,
  recordEmissions,
  rollupRowsOf,
  type RollupRow,
} from './rollup-queries.ts';

/** Windows per emission step (one read of their rollups, one send, one ledger insert). */
export const EMIT_CHUNK = 1_000;

const nul = (v: unknown): number | null => (v === null || v === undefined ? null : toNumber(v));

export class RollupEmitter {
  constructor(private readonly d: { store: Store; producer: AvroProducer; group: string; log: Logger }) {}

  /** Replays the partition's recent windows into `tracker` and marks those already emitted. */
  async restore(tracker: WindowTracker, partition: number, graceMs: number): Promise<void> {
    // Look back as far as the tracker remembers closed windows, so none of them is re-opened.
    const lookbackS = Math.ceil((graceMs + tracker.lateRetentionMs) / 1000) + 3_600;
    const seen = await recentZoneSightings(this.d.store, partition, lookbackS);
    if (seen.length === 0) return;
    const slicer = new TimeSlicer();
    for (const r of seen) {
      tracker.observe(r.event_id, r.zone, Number(r.t));
      await slicer.tick();
    }
    const done = await emittedWindows(this.d.store, this.d.group, partition, Number(seen[0]!.t) - 86_400_000);
    for (const w of tracker.closable(graceMs)) {
      const prior = done.get(w.key);
      if (prior === undefined) continue;
      tracker.markEmitted(w.key, prior.revision);
      if (prior.final) tracker.markFinalized(w.key);
    }
  }

  private readonly chains = new Map<number, Promise<unknown>>();

  /** Emissions of one partition run one at a time (batch path and idle timer would race). */
  emitDue(tracker: WindowTracker, partition: number, graceMs: number): Promise<number> {
    const run = (this.chains.get(partition) ?? Promise.resolve())
      .catch(() => {})
      .then(() => this.emitNow(tracker, partition, graceMs));
    this.chains.set(partition, run);
    return run;
  }

  private async emitNow(tracker: WindowTracker, partition: number, graceMs: number): Promise<number> {
    const pending = [...tracker.closable(graceMs), ...tracker.pendingCorrections(), ...tracker.dueFinals()];
    // In chunks, in order: a backlog closes thousands of windows at once (a new group over a week of
    // records), and each step is JavaScript per window (rows parsed, records encoded, the ledger's
    // rows written) that would hold the event loop, and the API beside it, for 100 ms and more. A
    // step's reads and writes give the loop its turns in between.
    let emitted = 0;
    for (let i = 0; i < pending.length; i += EMIT_CHUNK)
      emitted += await this.emitChunk(tracker, partition, pending.slice(i, i + EMIT_CHUNK));
    return emitted;
  }

  private async emitChunk(tracker: WindowTracker, partition: number, pending: WindowEmission[]): Promise<number> {
    const [rows, emittedBefore] = await Promise.all([
      rollupRowsOf(this.d.store, pending),
      lastRevisions(this.d.store, this.d.group, pending),
    ]);
    // Never below a revision this group already emitted for the window (a replay re-closes windows).
    const due = pending.map((w) => {
      const before = emittedBefore.get(w.key);
      return before !== undefined && before >= w.revision ? { ...w, revision: before + 1 } : w;
    });
    const now = Date.now();
    const records = due.map((w) => ({
      key: rollupTopicKey(w.eventId, w.zone, w.granularity, w.start),
      value: this.record(w, rows.get(w.key), now),
    }));
    await this.d.producer.send('rollups', records);
    await recordEmissions(this.d.store, this.d.group, partition, due);
    for (const w of due) tracker.markEmitted(w.key, w.revision);
    return due.length;
  }

  private record(w: WindowEmission, r: RollupRow | undefined, now: number) {
    return {
      granularity: w.granularity,
      event_id: w.eventId,
      zone: w.zone,
      window_start: w.start,
      window_end: w.end,
      revision: w.revision,
      final: w.final ?? false,
      min_price_cents: nul(r?.min_price_cents),
      avg_price_cents: nul(r?.avg_price_cents),
      max_price_cents: nul(r?.max_price_cents),
      min_price_2_cents: nul(r?.min_price_2_cents),
      min_price_4_cents: nul(r?.min_price_4_cents),
      open_price_cents: nul(r?.open_price_cents),
      close_price_cents: nul(r?.close_price_cents),
      tickets_last: nul(r?.tickets_last) ?? 0,
      tickets_avg: nul(r?.tickets_avg) ?? 0,
      tickets_peak: nul(r?.tickets_peak) ?? 0,
      listings_last: nul(r?.listings_last) ?? 0,
      listings_avg: nul(r?.listings_avg) ?? 0,
      listings_peak: nul(r?.listings_peak) ?? 0,
      scrapes: nul(r?.scrapes) ?? 0,
      closed_at: now,
    };
  }
}
