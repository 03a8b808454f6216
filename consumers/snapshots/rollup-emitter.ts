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
import { chDateTime, toNumber } from '../../lib/clickhouse/format.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Logger } from '../../lib/logger.ts';
import type { WindowEmission, WindowTracker } from '../windows/tracker.ts';
import { rollupTopicKey, windowKey } from '../windows/window.ts';

type RollupRow = Record<string, number | string | null>;

const nul = (v: unknown): number | null => (v === null || v === undefined ? null : toNumber(v));

export class RollupEmitter {
  constructor(private readonly d: { store: Store; producer: AvroProducer; group: string; log: Logger }) {}

  /** Replays the partition's recent windows into `tracker` and marks those already emitted. */
  async restore(tracker: WindowTracker, partition: number, graceMs: number): Promise<void> {
    // Look back as far as the tracker remembers closed windows, so none of them is re-opened.
    const lookbackS = Math.ceil((graceMs + tracker.lateRetentionMs) / 1000) + 3_600;
    const seen = await this.d.store.ingestQuery<{ event_id: string; zone: string; t: number }>(
      `SELECT event_id, zone, max(toUnixTimestamp64Milli(scraped_at)) AS t
       FROM zone_snapshots
       WHERE kafka_partition = {p:UInt32}
         AND scraped_at > (SELECT max(scraped_at) FROM zone_snapshots WHERE kafka_partition = {p:UInt32}) - INTERVAL {s:UInt32} SECOND
       GROUP BY event_id, zone, toStartOfHour(scraped_at)
       ORDER BY t`,
      { p: partition, s: lookbackS },
    );
    if (seen.length === 0) return;
    for (const r of seen) tracker.observe(r.event_id, r.zone, Number(r.t));
    const emitted = await this.d.store.ingestQuery<{
      granularity: 'hourly' | 'daily';
      event_id: string;
      zone: string;
      start: number;
      revision: number;
      final: boolean | number;
    }>(
      `SELECT granularity, event_id, zone, toUnixTimestamp(window_start) * 1000 AS start, revision, final
       FROM rollup_emissions FINAL
       WHERE consumer_group = {g:String} AND kafka_partition = {p:UInt32} AND window_start >= {from:DateTime}`,
      { g: this.d.group, p: partition, from: chDateTime(Number(seen[0]!.t) - 86_400_000).slice(0, 19) },
    );
    const done = new Map(
      emitted.map((e) => [
        windowKey(e.event_id, e.zone, e.granularity, Number(e.start)),
        { revision: Number(e.revision), final: Boolean(e.final) },
      ]),
    );
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
    if (pending.length === 0) return 0;
    const [rows, emittedBefore] = await Promise.all([this.fetch(pending), this.lastRevisions(pending)]);
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
    await this.d.store.insert(
      'rollup_emissions',
      due.map((w) => ({
        consumer_group: this.d.group,
        granularity: w.granularity,
        event_id: w.eventId,
        zone: w.zone,
        window_start: chDateTime(w.start).slice(0, 19),
        revision: w.revision,
        kafka_partition: partition,
        final: w.final ?? false,
      })),
    );
    for (const w of due) tracker.markEmitted(w.key, w.revision);
    return due.length;
  }

  /** The highest revision this group emitted for each window, where it emitted one. */
  private async lastRevisions(windows: WindowEmission[]): Promise<Map<string, number>> {
    const rows = await this.d.store.ingestQuery<{
      granularity: 'hourly' | 'daily';
      event_id: string;
      zone: string;
      start: number;
      revision: number;
    }>(
      `SELECT granularity, event_id, zone, toUnixTimestamp(window_start) * 1000 AS start, max(revision) AS revision
       FROM ${TABLES.rollupEmissions}
       WHERE consumer_group = {g:String} AND event_id IN {ids:Array(String)} AND window_start IN {starts:Array(DateTime)}
       GROUP BY granularity, event_id, zone, window_start`,
      {
        g: this.d.group,
        ids: [...new Set(windows.map((w) => w.eventId))],
        starts: [...new Set(windows.map((w) => chDateTime(w.start).slice(0, 19)))],
      },
    );
    return new Map(
      rows.map((r) => [windowKey(r.event_id, r.zone, r.granularity, Number(r.start)), Number(r.revision)]),
    );
  }

  private async fetch(due: WindowEmission[]): Promise<Map<string, RollupRow>> {
    const out = new Map<string, RollupRow>();
    for (const granularity of ['hourly', 'daily'] as const) {
      const ws = due.filter((w) => w.granularity === granularity);
      if (ws.length === 0) continue;
      const [view, col, type] =
        granularity === 'hourly' ? ['zone_hourly', 'hour', 'DateTime'] : ['zone_daily', 'day', 'Date'];
      const rows = await this.d.store.ingestQuery<RollupRow>(
        `SELECT *, toUnixTimestamp(toDateTime(${col})) * 1000 AS start_ms FROM ${view}
         WHERE event_id IN {ids:Array(String)} AND ${col} IN {starts:Array(${type})}`,
        {
          ids: [...new Set(ws.map((w) => w.eventId))],
          starts: [
            ...new Set(
              ws.map((w) => (type === 'Date' ? chDateTime(w.start).slice(0, 10) : chDateTime(w.start).slice(0, 19))),
            ),
          ],
        },
      );
      for (const r of rows) out.set(windowKey(String(r.event_id), String(r.zone), granularity, Number(r.start_ms)), r);
    }
    return out;
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
