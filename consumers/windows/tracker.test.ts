import { describe, expect, it } from 'vitest';
import { WindowTracker } from './tracker.ts';
import type { WindowEmission } from './tracker.ts';

const M = 60_000;
const H = 60 * M;
const DAY = 24 * H;
const T = Date.UTC(2026, 2, 1); // midnight UTC
const GRACE = 5 * M;

const hourKey = (start: number, zone = 'Floor', ev = 'ev1') => `${ev}|${zone}|hourly|${start}`;
const dayKey = (start: number, zone = 'Floor', ev = 'ev1') => `${ev}|${zone}|daily|${start}`;

/** Emits everything due, the way the runner does after writing a batch. */
function flush(tracker: WindowTracker, grace = GRACE): WindowEmission[] {
  const due = [...tracker.closable(grace), ...tracker.pendingCorrections()];
  for (const w of due) expect(tracker.markEmitted(w.key)).toBe(true);
  return due;
}

describe('WindowTracker', () => {
  it('closes each hour of an in-order stream exactly once, after the grace period', () => {
    const tracker = new WindowTracker();
    const emitted: Array<[at: number, key: string, revision: number]> = [];
    for (let t = T; t <= T + 3 * H; t += 10 * M) {
      expect(tracker.observe('ev1', 'Floor', t)).toEqual({ late: false, expired: false });
      for (const w of flush(tracker)) emitted.push([t, w.key, w.revision]);
    }
    // Hour 0 ends at 01:00 and may close from 01:05: the first record at or past that is 01:10.
    expect(emitted).toEqual([
      [T + H + 10 * M, hourKey(T), 0],
      [T + 2 * H + 10 * M, hourKey(T + H), 0],
    ]);
    expect(tracker.watermark).toBe(T + 3 * H);
  });

  it('describes what to emit', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + H + GRACE);
    expect(tracker.closable(GRACE)).toEqual([
      { key: hourKey(T), eventId: 'ev1', zone: 'Floor', granularity: 'hourly', start: T, end: T + H, revision: 0 },
    ]);
  });

  it('waits for end + grace, not just the end', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + H + GRACE - 1);
    expect(tracker.closable(GRACE)).toEqual([]);
    expect(tracker.closable(0).map((w) => w.key)).toEqual([hourKey(T)]);
  });

  it('takes a record out of order within the grace period as on time', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 59 * M);
    tracker.observe('ev1', 'Floor', T + H + 2 * M);
    expect(flush(tracker)).toEqual([]);
    expect(tracker.observe('ev1', 'Floor', T + 58 * M)).toEqual({ late: false, expired: false });
    tracker.observe('ev1', 'Floor', T + H + 6 * M);
    expect(flush(tracker).map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 0]]);
  });

  it('takes a record for an emitted window as late, and schedules one correction per emission', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + H + 10 * M);
    expect(flush(tracker).map((w) => w.key)).toEqual([hourKey(T)]);

    expect(tracker.observe('ev1', 'Floor', T + 20 * M)).toEqual({ late: true, expired: false });
    expect(tracker.observe('ev1', 'Floor', T + 40 * M)).toEqual({ late: true, expired: false });
    // The first emission is not repeated; the day (still open) needs no correction.
    expect(tracker.closable(GRACE)).toEqual([]);
    expect(tracker.pendingCorrections().map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 1]]);
    expect(flush(tracker).map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 1]]);
    expect(tracker.pendingCorrections()).toEqual([]);

    expect(tracker.observe('ev1', 'Floor', T + 50 * M).late).toBe(true);
    expect(flush(tracker).map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 2]]);
  });

  it('is not late for a window closed but not yet emitted: its emission will include it', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + 2 * H);
    expect(tracker.observe('ev1', 'Floor', T + 10 * M).late).toBe(false);
    expect(flush(tracker).map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 0]]);
  });

  it('tracks hourly and daily windows, emitting the hour before the day it closes', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 23 * H + 30 * M);
    tracker.observe('ev1', 'Floor', T + DAY + GRACE);
    expect(flush(tracker).map((w) => [w.granularity, w.start, w.end])).toEqual([
      ['hourly', T + 23 * H, T + DAY],
      ['daily', T, T + DAY],
    ]);
    // Late for the day and the hour: both get a correction.
    expect(tracker.observe('ev1', 'Floor', T + 12 * H)).toEqual({ late: true, expired: false });
    expect(tracker.pendingCorrections().map((w) => [w.key, w.revision])).toEqual([[dayKey(T), 1]]);
    expect(tracker.observe('ev1', 'Floor', T + 23 * H + 59 * M).late).toBe(true);
    expect(tracker.pendingCorrections().map((w) => [w.key, w.revision])).toEqual([
      [hourKey(T + 23 * H), 1],
      [dayKey(T), 1],
    ]);
  });

  it('keeps events and zones apart, and orders windows of one end by key', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev2', 'Floor', T + 10 * M);
    tracker.observe('ev1', 'Upper', T + 20 * M);
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + H + GRACE);
    expect(flush(tracker).map((w) => w.key)).toEqual([
      hourKey(T, 'Floor'),
      hourKey(T, 'Upper'),
      hourKey(T, 'Floor', 'ev2'),
    ]);
    expect(tracker.observe('ev1', 'Upper', T + 40 * M).late).toBe(true);
    expect(tracker.observe('ev1', 'Lower', T + 40 * M).late).toBe(false);
  });

  describe('idle policy', () => {
    it('closes a quiet partition’s windows on wall-clock time', () => {
      const tracker = new WindowTracker();
      tracker.observe('ev1', 'Floor', T + 10 * M);
      expect(tracker.advanceIdle(T + H + GRACE + M, M)).toBe(true);
      expect(tracker.watermark).toBe(T + H + GRACE);
      expect(flush(tracker).map((w) => w.key)).toEqual([hourKey(T)]);
      // A record for that hour arriving after all is late and corrects it.
      expect(tracker.observe('ev1', 'Floor', T + 50 * M).late).toBe(true);
      expect(tracker.pendingCorrections().map((w) => w.revision)).toEqual([1]);
    });

    it('never moves the watermark back', () => {
      const tracker = new WindowTracker();
      tracker.observe('ev1', 'Floor', T + 2 * H);
      expect(tracker.advanceIdle(T + 2 * H + 30 * M, H)).toBe(false);
      expect(tracker.watermark).toBe(T + 2 * H);
      tracker.observe('ev1', 'Floor', T + H);
      expect(tracker.watermark).toBe(T + 2 * H);
    });

    it('does nothing before the first record', () => {
      const tracker = new WindowTracker();
      expect(tracker.advanceIdle(T, 0)).toBe(false);
      expect(tracker.watermark).toBeNull();
      expect(tracker.closable(GRACE)).toEqual([]);
    });
  });

  describe('memory', () => {
    it('forgets emitted windows after the late retention, and reports older records late but expired', () => {
      const tracker = new WindowTracker({ lateRetentionMs: 2 * H });
      tracker.observe('ev1', 'Floor', T + 30 * M);
      tracker.observe('ev1', 'Floor', T + H + 10 * M);
      flush(tracker);
      expect(tracker.state().closed).toEqual([[hourKey(T), T + H, 0]]);

      tracker.observe('ev1', 'Floor', T + 3 * H);
      expect(tracker.state().closed).toEqual([]);
      expect(tracker.observe('ev1', 'Floor', T + 20 * M)).toEqual({ late: true, expired: true });
      expect(tracker.pendingCorrections()).toEqual([]);
      expect(tracker.closable(GRACE).map((w) => w.key)).not.toContain(hourKey(T));
    });

    it('reports a never-seen window older than the retention as expired, without opening it', () => {
      const tracker = new WindowTracker({ lateRetentionMs: 2 * H });
      tracker.observe('ev1', 'Floor', T + 10 * H);
      expect(tracker.observe('ev2', 'Floor', T + 7 * H)).toEqual({ late: true, expired: true });
      expect(tracker.state().open.map((w) => w.key)).toEqual([
        hourKey(T + 10 * H),
        dayKey(T),
        dayKey(T, 'Floor', 'ev2'),
      ]);
    });

    it('keeps open windows however old, until they are emitted', () => {
      const tracker = new WindowTracker({ lateRetentionMs: H });
      tracker.observe('ev1', 'Floor', T);
      tracker.observe('ev1', 'Floor', T + 5 * H);
      expect(tracker.closable(0).map((w) => w.key)).toEqual([hourKey(T)]);
    });

    it('refuses a grace longer than the late retention', () => {
      const tracker = new WindowTracker({ lateRetentionMs: H });
      expect(() => tracker.closable(H + 1)).toThrow(RangeError);
      expect(() => tracker.closable(-1)).toThrow(RangeError);
    });
  });

  it('marks each window once, and nothing it does not know', () => {
    const tracker = new WindowTracker();
    tracker.observe('a|b', 'Fl|oor', T);
    tracker.observe('a|b', 'Fl|oor', T + H + GRACE);
    const [w] = tracker.closable(GRACE);
    expect(w!.key).toBe('a|b|Fl|oor|hourly|' + T);
    expect(tracker.markEmitted(w!.key)).toBe(true);
    expect(tracker.markEmitted(w!.key)).toBe(false);
    expect(tracker.markEmitted('nope')).toBe(false);
    expect(tracker.markEmitted(hourKey(T + 9 * H))).toBe(false);
  });

  it('continues the revisions of a ledger when marked with the last revision emitted', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + H + GRACE);
    expect(tracker.markEmitted(hourKey(T), 3)).toBe(true);
    tracker.observe('ev1', 'Floor', T + 40 * M);
    expect(tracker.pendingCorrections().map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 4]]);
  });

  it('round-trips its state through JSON', () => {
    const tracker = new WindowTracker();
    tracker.observe('ev1', 'Floor', T + 30 * M);
    tracker.observe('ev1', 'Floor', T + H + 10 * M);
    flush(tracker);
    tracker.observe('ev1', 'Floor', T + 20 * M);

    const copy = new WindowTracker();
    copy.restore(JSON.parse(JSON.stringify(tracker.state())));
    expect(copy.state()).toEqual(tracker.state());
    expect(copy.watermark).toBe(T + H + 10 * M);
    expect(copy.pendingCorrections().map((w) => [w.key, w.revision])).toEqual([[hourKey(T), 1]]);
    expect(copy.observe('ev1', 'Floor', T + 25 * M).late).toBe(true);
    copy.observe('ev1', 'Floor', T + 2 * H + GRACE);
    expect(flush(copy).map((w) => [w.key, w.revision])).toEqual([
      [hourKey(T + H), 0],
      [hourKey(T), 1],
    ]);
  });
});

describe('WindowTracker finality', () => {
  it('hands an emitted window out once more, final, when stream time passes end + late retention', () => {
    const tracker = new WindowTracker({ lateRetentionMs: DAY });
    tracker.observe('ev1', 'Floor', T + 10 * M);
    tracker.observe('ev1', 'Floor', T + H + 10 * M);
    expect(flush(tracker).map((w) => w.key)).toEqual([hourKey(T)]);
    // A correction before the horizon, then the horizon passes with it still pending.
    tracker.observe('ev1', 'Floor', T + 20 * M);
    expect(tracker.dueFinals()).toEqual([]);
    tracker.observe('ev1', 'Floor', T + H + DAY);
    const finals = tracker.dueFinals();
    expect(finals).toContainEqual(expect.objectContaining({ key: hourKey(T), revision: 1, final: true }));
    expect(tracker.pendingCorrections().map((w) => w.key)).not.toContain(hourKey(T)); // folded into the final
    for (const f of finals) expect(tracker.markEmitted(f.key)).toBe(true);
    expect(tracker.dueFinals()).toEqual([]);
    // After the horizon, a record for the window is expired: nothing more is scheduled for it.
    expect(tracker.observe('ev1', 'Floor', T + 30 * M)).toEqual({ late: true, expired: true });
    expect(tracker.pendingCorrections().map((w) => w.key)).not.toContain(hourKey(T));
  });

  it('forgets a window finalized before a restart without handing it out again', () => {
    const tracker = new WindowTracker({ lateRetentionMs: DAY });
    tracker.observe('ev1', 'Floor', T + 10 * M);
    tracker.observe('ev1', 'Floor', T + H + 10 * M);
    flush(tracker);
    tracker.markFinalized(hourKey(T));
    tracker.observe('ev1', 'Floor', T + 2 * DAY);
    expect(tracker.dueFinals().map((w) => w.key)).not.toContain(hourKey(T));
  });

  it('reads event, zone, granularity and start from a key whose zone holds the separator', () => {
    const tracker = new WindowTracker({ lateRetentionMs: H });
    tracker.observe('ev1', 'Floor|A', T + 10 * M);
    tracker.observe('ev1', 'Floor|A', T + H + 10 * M);
    flush(tracker);
    tracker.observe('ev1', 'Floor|A', T + 3 * H);
    expect(tracker.dueFinals()).toContainEqual(
      expect.objectContaining({ eventId: 'ev1', zone: 'Floor|A', granularity: 'hourly', start: T, final: true }),
    );
  });
});
