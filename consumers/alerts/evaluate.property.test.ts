// Properties of rule evaluation over random rules and random price paths (fast-check): an exact
// oracle for `below`, the cooldown, once per crossing, replay and restart invariance, and the
// window deques against brute force.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConditionKind } from '../../lib/alerts/model.ts';
import { evaluate, type EvalRule, type Firing, type SeriesState } from './evaluate.ts';
import { valueOf, type Observation } from './observation.ts';
import { extremeOf, prune, push, type WindowPoints } from './window.ts';

const RUNS = Number(process.env.TWS_FUZZ_RUNS ?? 300);
const T0 = Date.UTC(2026, 0, 1);

const arbObservations = (max = 40) =>
  fc
    .array(
      fc.record({
        gap: fc.integer({ min: 1, max: 20 * 60_000 }),
        price: fc.option(fc.integer({ min: 1_000, max: 20_000 }), { nil: null, freq: 8 }),
        tickets: fc.integer({ min: 0, max: 200 }),
        listings: fc.integer({ min: 0, max: 80 }),
        fresh: fc.integer({ min: 0, max: 12 }),
      }),
      { maxLength: max },
    )
    .map((steps) => {
      let t = T0;
      return steps.map((s): Observation => {
        t += s.gap;
        return {
          at: t,
          snapshot_id: `s${t}`,
          event_id: 'evt',
          zone_id: 'z',
          zone: 'Floor',
          section: null,
          lowest_price_cents: s.price,
          lowest_base_price_cents: s.price === null ? null : Math.floor(s.price * 0.8),
          lowest_price_2_cents: s.price === null ? null : s.price * 2 + 100,
          lowest_price_4_cents: s.price === null ? null : s.price * 4 + 400,
          tickets: s.tickets,
          listings: s.listings,
          new_listings: s.fresh,
        };
      });
    });

const arbRule = (kinds: ConditionKind[] = ['below', 'drop_pct', 'new_low', 'inventory_below', 'new_listings']) =>
  fc
    .record({
      kind: fc.constantFrom(...kinds),
      price: fc.integer({ min: 1_000, max: 20_000 }),
      pct: fc.integer({ min: 1, max: 60 }),
      window: fc.integer({ min: 60, max: 6 * 3600 }),
      allHistory: fc.boolean(),
      tickets: fc.integer({ min: 1, max: 200 }),
      minNew: fc.integer({ min: 1, max: 20 }),
      cooldown: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * 3600 })),
      rearm: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
      group: fc.constantFrom(1, 2, 4),
      base: fc.boolean(),
      updatedAfter: fc.integer({ min: 0, max: 60 * 60_000 }),
    })
    .map((g): EvalRule => {
      const price = g.kind === 'below' || g.kind === 'drop_pct' || g.kind === 'new_low';
      return {
        rule_id: 'alr_p',
        version: 1,
        updated_at: T0 + g.updatedAfter,
        condition: g.kind,
        basis: price && g.base && g.group === 1 ? 'base' : 'all_in',
        group_size: price ? g.group : 1,
        price_cents: g.kind === 'below' ? g.price : null,
        drop_pct: g.kind === 'drop_pct' ? g.pct : null,
        window_seconds: g.kind === 'drop_pct' || (g.kind === 'new_low' && !g.allHistory) ? g.window : null,
        tickets: g.kind === 'inventory_below' ? g.tickets : null,
        min_new_listings: g.kind === 'new_listings' ? g.minNew : null,
        cooldown_seconds: g.cooldown,
        rearm_drop_pct: g.kind === 'new_listings' ? null : g.rearm,
      };
    });

function run(r: EvalRule, observations: Observation[], start?: SeriesState) {
  let state = start;
  const firings: Firing[] = [];
  for (const o of observations) {
    const res = evaluate(r, state, o, { ruleLastFiredAt: state?.last_fired_at ?? null });
    state = res.state;
    if (res.firing) firings.push(res.firing);
  }
  return { firings, state };
}

const ids = (fs: Firing[]) => fs.map((f) => `${f.observation.at}:${f.value}:${f.reason}`);

describe('rule evaluation, properties', () => {
  it('below without cooldown or re-arm drop fires exactly where the value first goes under the threshold', () => {
    fc.assert(
      fc.property(arbRule(['below']), arbObservations(), (r0, os) => {
        const r = { ...r0, cooldown_seconds: 0, rearm_drop_pct: null };
        const holds = os.map((o) => {
          const v = valueOf(r, o);
          return v !== null && v < r.price_cents!;
        });
        // Armed after any observation where it did not hold; a firing needs the rule's version time.
        const expected: number[] = [];
        let armed = true;
        os.forEach((o, i) => {
          if (!holds[i]) armed = true;
          else if (armed && o.at >= r.updated_at) {
            expected.push(o.at);
            armed = false;
          }
        });
        expect(run(r, os).firings.map((f) => f.observation.at)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('never fires twice within the cooldown', () => {
    fc.assert(
      fc.property(arbRule(), arbObservations(), (r, os) => {
        const times = run(r, os).firings.map((f) => f.observation.at);
        for (let i = 1; i < times.length; i++)
          expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(r.cooldown_seconds * 1000);
      }),
      { numRuns: RUNS },
    );
  });

  it('fires once per crossing: a second firing needs a clear in between, or the re-arm drop', () => {
    fc.assert(
      fc.property(arbRule(['below', 'inventory_below']), arbObservations(), (r, os) => {
        const { firings } = run(r, os);
        for (let i = 1; i < firings.length; i++) {
          const prev = firings[i - 1]!;
          const cur = firings[i]!;
          if (cur.reason === 'further_drop') {
            expect(r.rearm_drop_pct).not.toBeNull();
            expect(cur.value).toBeLessThanOrEqual(prev.value * (1 - r.rearm_drop_pct! / 100));
          } else {
            const between = os.filter((o) => o.at > prev.observation.at && o.at < cur.observation.at);
            const threshold = r.condition === 'below' ? r.price_cents! : r.tickets!;
            const cleared = between.some((o) => {
              const v = valueOf(r, o);
              return v === null || v >= threshold;
            });
            expect(cleared, `no clear between ${prev.observation.at} and ${cur.observation.at}`).toBe(true);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a replay of everything already evaluated fires nothing and changes nothing', () => {
    fc.assert(
      fc.property(arbRule(), arbObservations(), (r, os) => {
        const first = run(r, os);
        const again = run(r, os, first.state);
        expect(again.firings).toEqual([]);
        expect(again.state).toEqual(first.state);
      }),
      { numRuns: RUNS },
    );
  });

  it('duplicates and late copies anywhere in the stream change no firing', () => {
    fc.assert(
      fc.property(
        arbRule(),
        arbObservations().chain((os) =>
          fc.tuple(fc.constant(os), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 15 })),
        ),
        (r, [os, copies]) => {
          const noisy = [...os];
          for (const [from, to] of copies) {
            if (os.length === 0) break;
            const i = from % os.length;
            // A copy of observation i arriving at any later position (a redelivery or a late record).
            const pos = Math.min(noisy.length, noisy.indexOf(os[i]!) + 1 + (to % (noisy.length + 1)));
            noisy.splice(pos, 0, { ...os[i]! });
          }
          expect(ids(run(r, noisy).firings)).toEqual(ids(run(r, os).firings));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a restart from the persisted state (JSON) at any point fires what one uninterrupted run fires', () => {
    fc.assert(
      fc.property(arbRule(), arbObservations(), fc.nat(), (r, os, cut) => {
        const k = os.length === 0 ? 0 : cut % (os.length + 1);
        const before = run(r, os.slice(0, k));
        const persisted = before.state ? (JSON.parse(JSON.stringify(before.state)) as SeriesState) : undefined;
        const after = run(r, os.slice(k), persisted);
        expect(ids([...before.firings, ...after.firings])).toEqual(ids(run(r, os).firings));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('window deques', () => {
  it('give the min and max of the window, as brute force does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 1000 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 3_000 }),
        (steps, width) => {
          let t = 0;
          const all: Array<[number, number]> = [];
          let mins: WindowPoints = [];
          let maxes: WindowPoints = [];
          for (const [gap, v] of steps) {
            t += gap;
            // Before adding: the extreme over [t - width, t), as evaluate() reads it.
            const inWindow = all.filter(([at]) => at >= t - width).map(([, x]) => x);
            expect(extremeOf(prune(mins, t - width))).toBe(inWindow.length ? Math.min(...inWindow) : null);
            expect(extremeOf(prune(maxes, t - width))).toBe(inWindow.length ? Math.max(...inWindow) : null);
            mins = push(prune(mins, t - width), t, v, 'min');
            maxes = push(prune(maxes, t - width), t, v, 'max');
            all.push([t, v]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
