// Which hourly and daily windows of one Kafka partition are open, closable, closed or late.
//
// The rollup numbers themselves live in ClickHouse (zone_rollups_* fed by materialized views), where
// a late record still lands in its own window. This tracker only decides WHEN the runner may emit a
// window's final rollup, and when it must emit a correction:
//
// - Stream time, like Kafka Streams: the watermark is the largest event time seen on the partition.
//   A window closes once watermark >= end + grace; its first emission is revision 0.
// - A record for a window this tracker already emitted is late: it is counted, and the window gets
//   one pending correction with revision + 1 (several late records before it is emitted share it).
// - Emitted windows are remembered, compactly (key and revision), for `lateRetentionMs` past their
//   end. Then the window is final: it is handed out once more, marked final (`dueFinals`), and
//   forgotten. A record older than that is reported late and `expired`: no correction is
//   scheduled, because the tracker can no longer tell which revision went out. Its data still
//   reaches ClickHouse.
//
// Calls must come from one sequential loop per partition: observe a batch, write it to ClickHouse,
// then emit `closable()` and `pendingCorrections()` and `markEmitted()` each; so every emission
// reads a store that already holds every record observed before it. Two emission passes over one
// partition must not overlap: both would be handed the same windows.
import type { Granularity } from '../../lib/model.ts';
import { DAY_MS, windowKey, windowLength, windowStart } from './window.ts';

const GRANULARITIES: readonly Granularity[] = ['hourly', 'daily'];
export const DEFAULT_LATE_RETENTION_MS = 7 * DAY_MS;

export interface WindowRef {
  key: string;
  eventId: string;
  zone: string;
  granularity: Granularity;
  start: number;
  end: number;
}

export interface WindowEmission extends WindowRef {
  /** 0 for the first close, then +1 per correction (ZoneRollup.revision). */
  revision: number;
  /** The late-data horizon has passed: nothing will change this window on the topic again. */
  final?: boolean;
}

export interface ObserveResult {
  /** The record's hourly or daily window was already emitted (or forgotten, see `expired`). */
  late: boolean;
  /** Late beyond `lateRetentionMs`: counted, but no correction is scheduled. */
  expired: boolean;
}

/** Plain, JSON-safe state. */
export interface WindowTrackerState {
  watermark: number | null;
  open: WindowRef[];
  closed: Array<[key: string, end: number, revision: number]>;
  corrections: WindowEmission[];
  finals?: WindowEmission[];
}

/** Emission order: by end, then the shorter window first (an hour before the day it closes), then key. */
const byWindowOrder = (a: WindowRef, b: WindowRef): number =>
  a.end - b.end || b.start - a.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The end of the window a key names; the key ends with `|granularity|start`, whatever the ids hold. */
function endOfKey(key: string): number | null {
  const i = key.lastIndexOf('|');
  const j = key.lastIndexOf('|', i - 1);
  const granularity = key.slice(j + 1, i);
  const start = Number(key.slice(i + 1));
  if (j < 0 || (granularity !== 'hourly' && granularity !== 'daily') || !Number.isFinite(start)) return null;
  return start + windowLength(granularity);
}

/** The window a key names (ids may hold `|`: the granularity and start are read from the end). */
function refOfKey(key: string): WindowRef | null {
  const i = key.lastIndexOf('|');
  const j = key.lastIndexOf('|', i - 1);
  const k = key.lastIndexOf('|', j - 1);
  const granularity = key.slice(j + 1, i);
  const start = Number(key.slice(i + 1));
  if (k < 0 || (granularity !== 'hourly' && granularity !== 'daily') || !Number.isFinite(start)) return null;
  // The event id and zone: split at the first `|` (event ids are made by us and never hold one).
  const head = key.slice(0, j);
  const sep = head.indexOf('|');
  return {
    key,
    eventId: head.slice(0, sep),
    zone: head.slice(sep + 1),
    granularity,
    start,
    end: start + windowLength(granularity),
  };
}

/** Create one per Kafka partition: stream time is per partition. */
export class WindowTracker {
  readonly lateRetentionMs: number;
  #watermark: number | null = null;
  // Grouped by window end: there are few distinct ends (hours and days), so closing and forgetting
  // scan ends, not windows.
  #open = new Map<number, Map<string, WindowRef>>();
  #closed = new Map<number, Map<string, number>>();
  #corrections = new Map<string, WindowEmission>();
  /** Windows past the late-data horizon, to be emitted once more as final. */
  #finals = new Map<string, WindowEmission>();
  #forgetAt = Infinity;

  constructor(opts: { lateRetentionMs?: number } = {}) {
    this.lateRetentionMs = opts.lateRetentionMs ?? DEFAULT_LATE_RETENTION_MS;
    if (!(this.lateRetentionMs >= 0)) throw new RangeError(`lateRetentionMs must be >= 0, got ${this.lateRetentionMs}`);
  }

  /** Stream time: the largest event time observed (or set by `advanceIdle`); null before any record. */
  get watermark(): number | null {
    return this.#watermark;
  }

  observe(eventId: string, zone: string, scrapedAtMs: number): ObserveResult {
    if (!Number.isFinite(scrapedAtMs)) throw new RangeError(`scrapedAtMs must be finite, got ${scrapedAtMs}`);
    let late = false;
    let expired = false;
    for (const granularity of GRANULARITIES) {
      const start = windowStart(scrapedAtMs, granularity);
      const end = start + windowLength(granularity);
      const key = windowKey(eventId, zone, granularity, start);
      const revision = this.#closed.get(end)?.get(key);
      if (revision !== undefined) {
        late = true;
        if (!this.#corrections.has(key)) {
          this.#corrections.set(key, { key, eventId, zone, granularity, start, end, revision: revision + 1 });
        }
      } else if (this.#open.get(end)?.has(key)) {
        // already open
      } else if (this.#watermark !== null && end + this.lateRetentionMs <= this.#watermark) {
        late = true;
        expired = true;
      } else {
        let byEnd = this.#open.get(end);
        if (!byEnd) this.#open.set(end, (byEnd = new Map()));
        byEnd.set(key, { key, eventId, zone, granularity, start, end });
      }
    }
    this.#advance(scrapedAtMs);
    return { late, expired };
  }

  /** Open windows with end + grace <= watermark, in window order, each to be emitted as revision 0. */
  closable(graceMs: number): WindowEmission[] {
    if (!(graceMs >= 0 && graceMs <= this.lateRetentionMs)) {
      throw new RangeError(`graceMs must be within [0, lateRetentionMs = ${this.lateRetentionMs}], got ${graceMs}`);
    }
    const watermark = this.#watermark;
    if (watermark === null) return [];
    const due: WindowEmission[] = [];
    for (const [end, windows] of this.#open) {
      if (end + graceMs <= watermark) for (const w of windows.values()) due.push({ ...w, revision: 0 });
    }
    return due.sort(byWindowOrder);
  }

  /** Closed windows that received late records since their last emission, in window order. */
  pendingCorrections(): WindowEmission[] {
    return [...this.#corrections.values()].map((c) => ({ ...c })).sort(byWindowOrder);
  }

  /**
   * Emitted windows whose end + lateRetentionMs the watermark has passed, each to be emitted once
   * more with `final` (revision + 1), then forgotten. A pending correction is folded into it.
   */
  dueFinals(): WindowEmission[] {
    return [...this.#finals.values()].map((f) => ({ ...f })).sort(byWindowOrder);
  }

  /**
   * Records that the window (from `closable` or `pendingCorrections`) was emitted, at the revision
   * handed out. A restart that rebuilds the tracker from an emission ledger passes the last
   * `revision` emitted instead, so the next correction continues from it. Returns false when there
   * was nothing to emit under that key (e.g. a repeated call).
   */
  markEmitted(key: string, revision?: number): boolean {
    if (this.#finals.delete(key)) return true;
    const correction = this.#corrections.get(key);
    if (correction) {
      this.#corrections.delete(key);
      this.#remember(key, correction.end, revision ?? correction.revision);
      return true;
    }
    const end = endOfKey(key);
    const byEnd = end === null ? undefined : this.#open.get(end);
    if (end === null || !byEnd?.delete(key)) return false;
    if (byEnd.size === 0) this.#open.delete(end);
    this.#remember(key, end, revision ?? 0);
    return true;
  }

  /**
   * Idle policy: moves the watermark to `nowMs - idleAfterMs` when that is later. A quiet partition
   * would otherwise never close its windows, since stream time only moves with records. The runner
   * calls this only when the partition is caught up (no lag), so a replay never closes windows on
   * wall-clock time (which would emit them in pieces). No-op before the first record.
   * Returns whether the watermark moved.
   */
  advanceIdle(nowMs: number, idleAfterMs: number): boolean {
    const target = nowMs - idleAfterMs;
    if (this.#watermark === null || !(target > this.#watermark)) return false;
    this.#advance(target);
    return true;
  }

  state(): WindowTrackerState {
    const open = [...this.#open.values()].flatMap((m) => [...m.values()].map((w) => ({ ...w })));
    const closed: WindowTrackerState['closed'] = [];
    for (const [end, m] of this.#closed) for (const [key, revision] of m) closed.push([key, end, revision]);
    return {
      watermark: this.#watermark,
      open: open.sort(byWindowOrder),
      closed: closed.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      corrections: this.pendingCorrections(),
      finals: this.dueFinals(),
    };
  }

  /** Replaces the contents with `state` (e.g. from `state()` of an earlier tracker). */
  restore(state: WindowTrackerState): void {
    this.#watermark = state.watermark;
    this.#open.clear();
    this.#closed.clear();
    this.#corrections.clear();
    this.#forgetAt = Infinity;
    for (const w of state.open) {
      let byEnd = this.#open.get(w.end);
      if (!byEnd) this.#open.set(w.end, (byEnd = new Map()));
      byEnd.set(w.key, { ...w });
    }
    for (const [key, end, revision] of state.closed) this.#remember(key, end, revision);
    for (const c of state.corrections) this.#corrections.set(c.key, { ...c });
    this.#finals.clear();
    for (const f of state.finals ?? []) this.#finals.set(f.key, { ...f });
    this.#forget();
  }

  #remember(key: string, end: number, revision: number): void {
    let byEnd = this.#closed.get(end);
    if (!byEnd) this.#closed.set(end, (byEnd = new Map()));
    byEnd.set(key, revision);
    this.#forgetAt = Math.min(this.#forgetAt, end + this.lateRetentionMs);
    this.#forget();
  }

  #advance(ts: number): void {
    if (this.#watermark !== null && ts <= this.#watermark) return;
    this.#watermark = ts;
    this.#forget();
  }

  /**
   * Moves emitted windows whose end + lateRetention <= watermark to the finals (only when one is
   * due): they are forgotten once their final record is marked emitted.
   */
  #forget(): void {
    const watermark = this.#watermark;
    if (watermark === null || watermark < this.#forgetAt) return;
    this.#forgetAt = Infinity;
    for (const [end, byKey] of [...this.#closed]) {
      if (end + this.lateRetentionMs > watermark) {
        this.#forgetAt = Math.min(this.#forgetAt, end + this.lateRetentionMs);
        continue;
      }
      this.#closed.delete(end);
      for (const [key, revision] of byKey) {
        const pending = this.#corrections.get(key);
        this.#corrections.delete(key);
        const ref = refOfKey(key);
        if (ref) this.#finals.set(key, { ...ref, revision: pending?.revision ?? revision + 1, final: true });
      }
    }
  }

  /** A window that was finalized elsewhere (e.g. before a restart): forget it without emitting. */
  markFinalized(key: string): void {
    this.#finals.delete(key);
    this.#corrections.delete(key);
    const end = endOfKey(key);
    if (end !== null) this.#closed.get(end)?.delete(key);
  }
}
