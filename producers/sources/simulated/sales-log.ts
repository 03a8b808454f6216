// The simulated marketplace's ground truth: which listings sold how many seats when, and which were
// taken off sale (and put back) without selling. Derived from the same pure functions that serve the
// listings (market.ts), minute by minute, so it is exactly what happened behind the snapshots; the
// bench's "sales inference" phase scores the listing lifecycle against it (GET /__sim/sales).
import { buildPool, listingNow, priceAt, type ListingPhase, type PoolListing, type SimProduction } from './market.ts';

const MINUTE = 60_000;
/** The longest span one request may ask for (a minute-by-minute walk of every listing). */
export const MAX_SALES_LOG_SPAN_MS = 14 * 86_400_000;

export interface SimTruthEvent {
  production_id: string;
  listing_id: string;
  /** The first minute (epoch ms) at which the change shows in the listings. */
  at: number;
  /**
   * sale: seats sold (on this marketplace or, while hidden, elsewhere); withdrawn: taken off sale
   * with seats left, no sale; relisted: back on sale under the same id.
   */
  kind: 'sale' | 'withdrawn' | 'relisted';
  tickets: number;
  /** sale: the all-in price per ticket it was listed at just before (cents); else its price then. */
  price_cents: number;
  /** sale: sold, or sold_out (its last seats); withdrawn: paused, hiatus, withdrawn, pulled, started. */
  reason: 'sold' | 'sold_out' | Exclude<ListingPhase, 'listed' | 'upcoming' | 'sold_out'> | 'listed';
}

const HIDDEN: ReadonlySet<ListingPhase> = new Set(['paused', 'hiatus']);

/** What happened to one listing in (from, to]. */
function listingLog(seed: number, p: SimProduction, l: PoolListing, from: number, to: number): SimTruthEvent[] {
  const out: SimTruthEvent[] = [];
  const start = Math.floor(from / MINUTE) * MINUTE;
  const end = Math.min(to, p.startsAt + MINUTE);
  let prev = listingNow(seed, p, l, start);
  const ev = (at: number, kind: SimTruthEvent['kind'], tickets: number, reason: SimTruthEvent['reason']) =>
    out.push({
      production_id: p.productionId,
      listing_id: l.id,
      at,
      kind,
      tickets,
      price_cents: priceAt(seed, p, l, at - MINUTE).allIn,
      reason,
    });
  for (let t = start + MINUTE; t <= end; t += MINUTE) {
    const cur = listingNow(seed, p, l, t);
    if (t > from) {
      if (cur.soldSeats > prev.soldSeats)
        ev(
          t,
          'sale',
          cur.soldSeats - prev.soldSeats,
          cur.phase === 'sold_out' && prev.phase !== 'sold_out' ? 'sold_out' : 'sold',
        );
      if (prev.phase === 'listed' && cur.phase !== 'listed' && cur.phase !== 'sold_out')
        ev(t, 'withdrawn', cur.quantity, cur.phase as SimTruthEvent['reason']);
      if (HIDDEN.has(prev.phase) && cur.phase === 'listed') ev(t, 'relisted', cur.quantity, 'listed');
    }
    prev = cur;
    // Nothing happens to it any more.
    if (cur.phase === 'sold_out' || cur.phase === 'withdrawn' || cur.phase === 'pulled' || cur.phase === 'started')
      break;
  }
  return out;
}

/** Every truth event of `productions` in (from, to], in time order. */
export function salesLog(
  seed: number,
  productions: readonly SimProduction[],
  from: number,
  to: number,
): SimTruthEvent[] {
  if (!(to > from)) return [];
  const events = productions.flatMap((p) => buildPool(seed, p).flatMap((l) => listingLog(seed, p, l, from, to)));
  return events.sort((a, b) => a.at - b.at || a.listing_id.localeCompare(b.listing_id));
}

/** A time as epoch ms or ISO 8601; null when it is neither. */
function timeParam(v: string): number | null {
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/**
 * GET /__sim/sales?productionId=&from=&to= (times as epoch ms or ISO; default the last 24 hours of
 * the market's clock; every production when none is named): `{ from, to, events }`.
 */
export function salesLogAnswer(
  seed: number,
  productions: readonly SimProduction[],
  query: URLSearchParams,
  now: number,
): { status: number; body: unknown } {
  const to = query.has('to') ? timeParam(query.get('to')!) : now;
  const from = query.has('from') ? timeParam(query.get('from')!) : to === null ? null : to - 86_400_000;
  if (from === null || to === null)
    return { status: 400, body: { error: 'from and to are epoch ms or ISO 8601 times' } };
  if (to <= from || to - from > MAX_SALES_LOG_SPAN_MS)
    return {
      status: 400,
      body: { error: `to must be after from, by at most ${MAX_SALES_LOG_SPAN_MS / 86_400_000} days` },
    };
  const id = query.get('productionId');
  const chosen = id === null ? productions : productions.filter((p) => p.productionId === id);
  if (chosen.length === 0) return { status: 404, body: { error: `no production ${id}` } };
  return { status: 200, body: { from, to, events: salesLog(seed, chosen, from, to) } };
}
