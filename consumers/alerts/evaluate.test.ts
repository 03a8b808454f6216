// Worked examples of the rule semantics, the timeline of docs/alerts.md among them.
import { describe, expect, it } from 'vitest';
import { evaluate, type EvalRule, type Firing, type SeriesState } from './evaluate.ts';
import type { Observation } from './observation.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 5, 1, 10, 0);

function rule(overrides: Partial<EvalRule> = {}): EvalRule {
  return {
    rule_id: 'alr_test',
    version: 1,
    updated_at: 0,
    condition: 'below',
    basis: 'all_in',
    group_size: 1,
    price_cents: 10_000,
    drop_pct: null,
    window_seconds: null,
    tickets: null,
    min_new_listings: null,
    cooldown_seconds: 0,
    rearm_drop_pct: null,
    ...overrides,
  };
}

function obs(at: number, price: number | null, extra: Partial<Observation> = {}): Observation {
  return {
    at,
    snapshot_id: `snap-${at}`,
    event_id: 'evt',
    zone_id: 'z1',
    zone: 'Floor',
    section: null,
    lowest_price_cents: price,
    lowest_base_price_cents: price === null ? null : Math.round(price * 0.8),
    lowest_price_2_cents: price === null ? null : price * 2,
    lowest_price_4_cents: price === null ? null : price * 4,
    tickets: 100,
    listings: 20,
    new_listings: 0,
    ...extra,
  };
}

/** Runs observations of one series through a rule; returns the firings and the last state. */
function run(r: EvalRule, observations: Observation[], start?: SeriesState) {
  let state = start;
  const firings: Firing[] = [];
  const outcomes: string[] = [];
  for (const o of observations) {
    const res = evaluate(r, state, o, {
      ruleLastFiredAt: state?.rule_version === r.version ? state.last_fired_at : null,
    });
    state = res.state;
    outcomes.push(res.outcome);
    if (res.firing) firings.push(res.firing);
  }
  return { firings, state: state!, outcomes };
}

const at = (minutes: number) => T0 + minutes * MIN;

describe('below, with cooldown and re-arm (the docs/alerts.md timeline)', () => {
  it('fires on the crossing, holds a further drop in the cooldown, re-arms on clear, fires after the cooldown', () => {
    const r = rule({ price_cents: 10_000, cooldown_seconds: 30 * 60, rearm_drop_pct: 10 });
    const path: Array<[number, number]> = [
      [0, 12_000], // armed, above
      [5, 9_500], // crossing: fires (#1)
      [10, 9_000], // still below, not 10% under $95: quiet
      [15, 8_400], // 10% under $95, but in the cooldown (until 10:35): held
      [20, 10_500], // clears: re-armed
      [25, 9_700], // crossing in the cooldown: held, stays armed
      [40, 9_800], // cooldown over, still below: fires (#2)
      [45, 9_900], // below, disarmed: quiet
    ];
    const { firings, outcomes } = run(
      r,
      path.map(([m, p]) => obs(at(m), p)),
    );
    expect(outcomes).toEqual(['quiet', 'fired', 'quiet', 'cooldown', 'quiet', 'cooldown', 'fired', 'quiet']);
    expect(firings.map((f) => [f.observation.at, f.value, f.reference, f.reason])).toEqual([
      [at(5), 9_500, 10_000, 'crossing'],
      [at(40), 9_800, 10_000, 'crossing'],
    ]);
  });

  it('fires again on a further drop without a clear, after the cooldown', () => {
    const r = rule({ price_cents: 10_000, rearm_drop_pct: 10 });
    const { firings } = run(r, [obs(at(0), 9_500), obs(at(5), 9_000), obs(at(10), 8_500), obs(at(15), 7_600)]);
    // 8,550 is 10% under 9,500; then 7,695 is 10% under 8,500.
    expect(firings.map((f) => [f.value, f.reason])).toEqual([
      [9_500, 'crossing'],
      [8_500, 'further_drop'],
      [7_600, 'further_drop'],
    ]);
  });

  it('ignores late and replayed observations', () => {
    const r = rule();
    const first = run(r, [obs(at(0), 12_000), obs(at(5), 9_000)]);
    expect(first.firings).toHaveLength(1);
    const again = run(r, [obs(at(5), 9_000), obs(at(3), 8_000), obs(at(0), 12_000)], first.state);
    expect(again.outcomes).toEqual(['late', 'late', 'late']);
    expect(again.state).toEqual(first.state);
  });

  it('does not fire for observations older than the rule version, but fires at the first one after', () => {
    const r = rule({ updated_at: at(10) });
    const { firings } = run(r, [obs(at(0), 9_000), obs(at(5), 9_000), obs(at(10), 9_000)]);
    expect(firings.map((f) => f.observation.at)).toEqual([at(10)]);
  });

  it('starts over on a new rule version, keeping the watermark', () => {
    const v1 = run(rule(), [obs(at(0), 9_000)]);
    expect(v1.state.armed).toBe(false);
    const v2 = run(rule({ version: 2, price_cents: 8_000 }), [obs(at(0), 7_000), obs(at(5), 7_500)], v1.state);
    expect(v2.outcomes).toEqual(['late', 'fired']);
  });

  it('treats a zone without a price as clear', () => {
    const { firings } = run(rule(), [obs(at(0), 9_000), obs(at(5), null), obs(at(10), 9_000)]);
    expect(firings).toHaveLength(2);
  });
});

describe('price basis and seats together', () => {
  it('compares the price per ticket of the lowest group of N seats (the metrics apply the split rule)', () => {
    // One seat at $80, but the cheapest pair is $190 in total ($95 each) and the cheapest four $420.
    const o = obs(at(0), 8_000, { lowest_price_2_cents: 19_000, lowest_price_4_cents: 42_000 });
    expect(run(rule({ group_size: 1 }), [o]).firings[0]?.value).toBe(8_000);
    expect(run(rule({ group_size: 2 }), [o]).firings[0]?.value).toBe(9_500);
    expect(run(rule({ group_size: 4 }), [o]).firings).toEqual([]);
  });

  it('uses the price before fees on request', () => {
    const o = obs(at(0), 11_000, { lowest_base_price_cents: 9_000 });
    expect(run(rule({ basis: 'all_in' }), [o]).firings).toEqual([]);
    expect(run(rule({ basis: 'base' }), [o]).firings[0]?.value).toBe(9_000);
  });
});

describe('drop_pct over a window', () => {
  it('fires when the price is pct below the highest of the window before it', () => {
    const r = rule({ condition: 'drop_pct', price_cents: null, drop_pct: 20, window_seconds: 30 * 60 });
    const { firings } = run(r, [
      obs(at(0), 10_000),
      obs(at(10), 9_000),
      obs(at(20), 8_100), // 19% under the high: quiet
      obs(at(25), 8_000), // 20% under 10,000: fires
      obs(at(45), 7_500), // high of [10:15, 10:45) is 8,100: 7.4% under it: clears, re-armed
      obs(at(65), 6_000), // high of [10:35, 11:05) is 7,500: 20% under it: fires
    ]);
    expect(firings.map((f) => [f.observation.at, f.value, f.reference])).toEqual([
      [at(25), 8_000, 10_000],
      [at(65), 6_000, 7_500],
    ]);
  });
});

describe('new_low', () => {
  it('over the whole history: a value under every earlier one', () => {
    const r = rule({ condition: 'new_low', price_cents: null });
    const { firings } = run(r, [
      obs(at(0), 10_000),
      obs(at(5), 9_000),
      obs(at(10), 8_000),
      obs(at(15), 9_500),
      obs(at(20), 7_000),
    ]);
    // 9,000 is a new low (fires), 8,000 too but the series is disarmed; 9,500 clears; 7,000 fires.
    expect(firings.map((f) => [f.value, f.reference])).toEqual([
      [9_000, 10_000],
      [7_000, 8_000],
    ]);
  });

  it('over a window: lower than everything in the window before it', () => {
    const r = rule({ condition: 'new_low', price_cents: null, window_seconds: 10 * 60 });
    const { firings } = run(r, [obs(at(0), 5_000), obs(at(5), 9_000), obs(at(15), 8_000)]);
    // At 10:15 the window [10:05, 10:15) holds 9,000 only: 8,000 is a low of the window.
    expect(firings.map((f) => [f.value, f.reference])).toEqual([[8_000, 9_000]]);
  });
});

describe('inventory and listings', () => {
  it('inventory_below compares the ticket count', () => {
    const r = rule({ condition: 'inventory_below', price_cents: null, tickets: 50 });
    const { firings } = run(r, [obs(at(0), 1, { tickets: 60 }), obs(at(5), 1, { tickets: 40 })]);
    expect(firings.map((f) => [f.value, f.reference])).toEqual([[40, 50]]);
  });

  it("new_listings counts the scrape's new listings (the lifecycle), not the change in the listing count", () => {
    const r = rule({ condition: 'new_listings', price_cents: null, min_new_listings: 3 });
    const { firings } = run(r, [
      obs(at(0), 1, { listings: 20, new_listings: 0 }),
      // 4 sold and 4 new: the count stands still, the new listings are news.
      obs(at(5), 1, { listings: 20, new_listings: 4 }),
      obs(at(10), 1, { listings: 22, new_listings: 2 }),
      obs(at(15), 1, { listings: 25, new_listings: 3 }),
      // Not read (no lifecycle row for this scrape): nothing to compare.
      obs(at(20), 1, { listings: 40, new_listings: null }),
    ]);
    expect(firings.map((f) => [f.observation.at, f.value, f.reference])).toEqual([
      [at(5), 4, 3],
      [at(15), 3, 3],
    ]);
  });
});
