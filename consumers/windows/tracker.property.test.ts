import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowTracker } from './tracker.ts';
import { windowKey, windowStart } from './window.ts';

const M = 60_000;
const T = Date.UTC(2026, 2, 1);

type Op =
  | { kind: 'observe'; ev: number; zone: number; advanceMin: number; backMin: number }
  | { kind: 'flush' }
  | { kind: 'idle'; idleMin: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('observe' as const),
      ev: fc.nat(1),
      zone: fc.nat(1),
      advanceMin: fc.nat(90),
      backMin: fc.nat(180),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('idle' as const), idleMin: fc.nat(120) }) },
);

describe('WindowTracker properties', () => {
  it('emits each window at most once per revision, in revision order, never before end + grace', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.nat(30), (ops, graceMin) => {
        const grace = graceMin * M;
        // Long enough that nothing is forgotten within a run, so lateness has an exact oracle.
        const tracker = new WindowTracker({ lateRetentionMs: 365 * 24 * 60 * M });
        const lastRevision = new Map<string, number>();
        const observed = new Set<string>();
        let clock = T;

        const flush = () => {
          for (const w of [...tracker.closable(grace), ...tracker.pendingCorrections()]) {
            expect(tracker.watermark! >= w.end + grace).toBe(true);
            expect(w.revision).toBe((lastRevision.get(w.key) ?? -1) + 1);
            lastRevision.set(w.key, w.revision);
            expect(tracker.markEmitted(w.key)).toBe(true);
          }
        };

        for (const o of ops) {
          if (o.kind === 'observe') {
            clock += o.advanceMin * M;
            const ts = clock - o.backMin * M;
            const keys = (['hourly', 'daily'] as const).map((g) =>
              windowKey(`ev${o.ev}`, `z${o.zone}`, g, windowStart(ts, g)),
            );
            const wasEmitted = keys.some((k) => lastRevision.has(k));
            expect(tracker.observe(`ev${o.ev}`, `z${o.zone}`, ts)).toEqual({ late: wasEmitted, expired: false });
            for (const k of keys) observed.add(k);
          } else if (o.kind === 'flush') {
            flush();
          } else {
            tracker.advanceIdle(clock + o.idleMin * M, 30 * M);
          }
        }

        // Drain: every window ever observed has gone out, and no correction is left behind.
        tracker.advanceIdle(clock + 10 * 24 * 60 * M, 0);
        flush();
        expect(new Set(lastRevision.keys())).toEqual(observed);
        expect(tracker.closable(grace)).toEqual([]);
        expect(tracker.pendingCorrections()).toEqual([]);
      }),
    );
  });
});
