// Scoring inferred sales against the simulator's truth (bench phase "sales inference"), by listing,
// by tickets and per event-day; and the naive diff the lifecycle's rules are measured against.
import type { ListingSnapshot } from '../../lib/model.ts';
import type { SimTruthEvent } from '../../producers/sources/simulated/sales-log.ts';
import { round } from './stats.ts';

/** What the phase reports (bench/phases/sales-inference.ts). */
export interface SalesInferenceResults {
  events: number;
  snapshots: number;
  listings: number;
  partialSnapshots: number;
  days: number;
  relistWindowHours: number;
  eventEndCutoffMinutes: number;
  consumerSeconds: number;
  listingsPerSecond: number;
  cpuMsPer1000Listings: number;
  truth: { sales: number; tickets: number; withdrawals: number; relists: number };
  ours: Score;
  naive: Score;
  /** Tickets inferred beyond the truth, by what truly happened to the listing (a withdrawal's reason). */
  overcountBy: Record<string, number>;
  /** Tickets the truth sold and the inference missed, by what else happened to the listing. */
  undercountBy: Record<string, number>;
}

/** Tickets sold per key: `event|listing` for listings, `event|YYYY-MM-DD` for event-days. */
export type Tally = Map<string, number>;

export interface Score {
  /** A listing counts as sold when it sold (or is inferred to have sold) at least one ticket. */
  listing: { precision: number; recall: number; truePositives: number; inferred: number; actual: number };
  /** Per listing, min(inferred, true) tickets are right. */
  tickets: { precision: number; recall: number; matched: number; inferred: number; actual: number };
  /** Tickets sold per event and UTC day: Σ|inferred − true| / Σ true, and the mean absolute error. */
  eventDay: { days: number; wape: number; meanAbsError: number; maxAbsError: number };
}

const add = (t: Tally, k: string, v: number) => t.set(k, (t.get(k) ?? 0) + v);
const ratio = (a: number, b: number) => (b === 0 ? 0 : round(a / b, 4));
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function score(inferred: { byListing: Tally; byDay: Tally }, truth: { byListing: Tally; byDay: Tally }): Score {
  let tp = 0;
  let inferredListings = 0;
  let matched = 0;
  let inferredTickets = 0;
  for (const [k, v] of inferred.byListing) {
    const sold = Math.max(0, v);
    if (sold === 0) continue;
    inferredListings++;
    inferredTickets += sold;
    const actual = truth.byListing.get(k) ?? 0;
    if (actual > 0) tp++;
    matched += Math.min(sold, actual);
  }
  const actualListings = [...truth.byListing.values()].filter((v) => v > 0).length;
  const actualTickets = [...truth.byListing.values()].reduce((a, b) => a + b, 0);
  const days = new Set([...inferred.byDay.keys(), ...truth.byDay.keys()]);
  let absErr = 0;
  let maxErr = 0;
  for (const d of days) {
    const e = Math.abs((inferred.byDay.get(d) ?? 0) - (truth.byDay.get(d) ?? 0));
    absErr += e;
    maxErr = Math.max(maxErr, e);
  }
  const trueDayTotal = [...truth.byDay.values()].reduce((a, b) => a + b, 0);
  return {
    listing: {
      precision: ratio(tp, inferredListings),
      recall: ratio(tp, actualListings),
      truePositives: tp,
      inferred: inferredListings,
      actual: actualListings,
    },
    tickets: {
      precision: ratio(matched, inferredTickets),
      recall: ratio(matched, actualTickets),
      matched,
      inferred: inferredTickets,
      actual: actualTickets,
    },
    eventDay: {
      days: days.size,
      wape: ratio(absErr, trueDayTotal),
      meanAbsError: days.size === 0 ? 0 : round(absErr / days.size, 2),
      maxAbsError: maxErr,
    },
  };
}

/** The truth's sales, per listing and per event-day, of events observed over (from, to]. */
export function truthTallies(
  events: readonly SimTruthEvent[],
  eventOf: (productionId: string) => string,
): { byListing: Tally; byDay: Tally } {
  const byListing: Tally = new Map();
  const byDay: Tally = new Map();
  for (const e of events) {
    if (e.kind !== 'sale') continue;
    const event = eventOf(e.production_id);
    add(byListing, `${event}|${e.listing_id}`, e.tickets);
    add(byDay, `${event}|${dayOf(e.at)}`, e.tickets);
  }
  return { byListing, byDay };
}

/**
 * The naive diff: every pair of consecutive snapshots of an event, whatever their completeness; a
 * quantity drop sells the difference, a disappearance sells what was listed; nothing ever returns.
 */
export function naiveTallies(snapshots: readonly ListingSnapshot[]): { byListing: Tally; byDay: Tally } {
  const byListing: Tally = new Map();
  const byDay: Tally = new Map();
  const last = new Map<string, Map<string, number>>();
  for (const s of snapshots) {
    const now = new Map<string, number>();
    for (const z of s.zones)
      for (const sec of z.sections)
        for (const l of sec.listings) if (!now.has(l.listing_id)) now.set(l.listing_id, l.quantity);
    const before = last.get(s.event_id);
    if (before)
      for (const [id, q] of before) {
        const sold = q - (now.get(id) ?? 0);
        if (sold <= 0) continue;
        add(byListing, `${s.event_id}|${id}`, sold);
        add(byDay, `${s.event_id}|${dayOf(s.scraped_at)}`, sold);
      }
    last.set(s.event_id, now);
  }
  return { byListing, byDay };
}
