// Rule evaluation as a pure function: (rule, state of one series, observation) → (next state,
// firing or not). The semantics of docs/alerts.md#rule-semantics:
//
// - Event time only: an observation at or before the series' watermark (late, replayed, a
//   duplicate) changes nothing, so a replay cannot fire for a time already evaluated.
// - A crossing fires once: the series is disarmed until the condition clears (re-arm), or, with
//   `rearm_drop_pct`, until the value drops that much further below the last firing's value.
// - Cooldown: no firing of the rule (any series) within `cooldown_seconds` of event time after its
//   last firing. A crossing inside the cooldown is held, not dropped: the series stays armed and
//   fires at the first observation after the cooldown if the condition still holds.
// - Observations older than the rule's version (`updated_at`) feed the history but never fire.
import { conditionOf, type AlertRuleRecord } from '../../lib/alerts/model.ts';
import { valueOf, type Observation } from './observation.ts';
import { extremeOf, prune, push, type WindowPoints } from './window.ts';

export interface SeriesState {
  rule_version: number;
  /** Event time of the latest observation evaluated (ms), null before the first. */
  watermark: number | null;
  armed: boolean;
  last_value: number | null;
  last_fired_at: number | null;
  last_fired_value: number | null;
  /** new_low over the whole history: the lowest value seen. */
  low: number | null;
  /** drop_pct (highs) and windowed new_low (lows): the window's monotonic deque. */
  window: WindowPoints;
  /** Unused since new_listings reads the lifecycle (kept: states saved before still parse). */
  prev_listings: number | null;
}

export type EvalRule = Pick<
  AlertRuleRecord,
  | 'rule_id'
  | 'version'
  | 'updated_at'
  | 'condition'
  | 'basis'
  | 'group_size'
  | 'price_cents'
  | 'drop_pct'
  | 'window_seconds'
  | 'tickets'
  | 'min_new_listings'
  | 'cooldown_seconds'
  | 'rearm_drop_pct'
>;

export interface Firing {
  rule_id: string;
  rule_version: number;
  observation: Observation;
  /** What was compared: a price per ticket in cents, tickets, or new listings. */
  value: number;
  /** What it was compared with: the threshold, or the window's high or low. */
  reference: number | null;
  /** `crossing`: armed and the condition began to hold; `further_drop`: the re-arm drop. */
  reason: 'crossing' | 'further_drop';
}

export type Outcome = 'late' | 'quiet' | 'fired' | 'cooldown';

export interface EvalResult {
  state: SeriesState;
  firing: Firing | null;
  outcome: Outcome;
}

export function freshState(rule: Pick<EvalRule, 'version'>, watermark: number | null = null): SeriesState {
  return {
    rule_version: rule.version,
    watermark,
    armed: true,
    last_value: null,
    last_fired_at: null,
    last_fired_value: null,
    low: null,
    window: [],
    prev_listings: null,
  };
}

interface Check {
  holds: boolean;
  /** The value a firing reports (new listings: how many came on sale at the scrape). */
  reported: number | null;
  reference: number | null;
}

function check(rule: EvalRule, s: SeriesState, v: number | null, at: number): Check {
  const c = conditionOf(rule);
  switch (c.kind) {
    case 'below':
      return { holds: v !== null && v < c.price_cents, reported: v, reference: c.price_cents };
    case 'inventory_below':
      return { holds: v !== null && v < c.tickets, reported: v, reference: c.tickets };
    case 'drop_pct': {
      const high = extremeOf(prune(s.window, at - c.window_seconds * 1000));
      const holds = v !== null && high !== null && v <= high * (1 - c.pct / 100);
      return { holds, reported: v, reference: high };
    }
    case 'new_low': {
      const low = c.window_seconds === null ? s.low : extremeOf(prune(s.window, at - c.window_seconds * 1000));
      return { holds: v !== null && low !== null && v < low, reported: v, reference: low };
    }
    case 'new_listings':
      // v: the listings that came on sale at this scrape (listing_changes `new`), not a count delta,
      // so a sale and a new listing in one interval no longer cancel out.
      return { holds: v !== null && v >= c.min_new, reported: v, reference: c.min_new };
  }
}

/** The history after this observation (whatever fired). */
function remember(rule: EvalRule, s: SeriesState, v: number | null, at: number): SeriesState {
  const c = conditionOf(rule);
  switch (c.kind) {
    case 'drop_pct':
      return v === null ? s : { ...s, window: push(prune(s.window, at - c.window_seconds * 1000), at, v, 'max') };
    case 'new_low':
      if (v === null) return s;
      if (c.window_seconds === null) return { ...s, low: s.low === null ? v : Math.min(s.low, v) };
      return { ...s, window: push(prune(s.window, at - c.window_seconds * 1000), at, v, 'min') };
    default:
      return s;
  }
}

/**
 * Evaluates one observation of one series. `ruleLastFiredAt` is the rule's latest firing over all
 * of its series (the cooldown is the rule's, not the series').
 */
export function evaluate(
  rule: EvalRule,
  prev: SeriesState | undefined,
  obs: Observation,
  ctx: { ruleLastFiredAt: number | null },
): EvalResult {
  if (prev && prev.watermark !== null && obs.at <= prev.watermark)
    return { state: prev, firing: null, outcome: 'late' };
  // A new version of the rule starts over (its condition may differ); only the watermark stays.
  const s = prev && prev.rule_version === rule.version ? prev : freshState(rule, prev?.watermark ?? null);
  const v = valueOf(rule, obs);
  const { holds, reported, reference } = check(rule, s, v, obs.at);
  const furtherDrop =
    holds &&
    !s.armed &&
    rule.rearm_drop_pct !== null &&
    s.last_fired_value !== null &&
    v !== null &&
    v <= s.last_fired_value * (1 - rule.rearm_drop_pct / 100);
  const eligible = holds && (s.armed || furtherDrop) && obs.at >= rule.updated_at;
  const lastFired = ctx.ruleLastFiredAt;
  const cooling = lastFired !== null && obs.at < lastFired + rule.cooldown_seconds * 1000;
  const fire = eligible && !cooling && reported !== null;

  let next: SeriesState = { ...s, watermark: obs.at, last_value: v };
  if (fire) next = { ...next, armed: false, last_fired_at: obs.at, last_fired_value: v };
  else if (!holds) next = { ...next, armed: true };
  next = remember(rule, next, v, obs.at);

  if (!fire) return { state: next, firing: null, outcome: eligible ? 'cooldown' : 'quiet' };
  return {
    state: next,
    outcome: 'fired',
    firing: {
      rule_id: rule.rule_id,
      rule_version: rule.version,
      observation: obs,
      value: reported,
      reference,
      reason: s.armed ? 'crossing' : 'further_drop',
    },
  };
}
