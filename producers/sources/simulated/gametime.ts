// The simulated marketplace as Gametime sees it (`GET /v1/listings?event_id=`): the same venues and
// the same broker inventory, listed there too, at Gametime's own prices. Like the market itself, a
// pure function of (seed, production, minute). Per listing on the hermes side:
//   - brokers list most of their inventory on both sites (CROSS_LIST_RATE): the same section, row and
//     quantity, usually within 1.5 % of the Vivid Seats all-in price (the same inventory by the
//     cross-site dedupe rule), sometimes 3-8 % dearer (too far apart to be linked);
//   - Gametime discloses seat numbers and sells in `lots` (the seller's splits);
//   - a few listings exist on Gametime only.
import type { HermesBody, Market, SimProduction } from './market.ts';
import { hash32, unit } from './prng.ts';

/** Gametime's listings body: cents, lots, seats, section_group (producers/sources/gametime/README.md). */
export interface GametimeBody {
  event: { id: string; name: string; datetime_utc: string };
  listings: GametimeListing[];
  meta: { count: number };
}

export interface GametimeListing {
  id: string;
  event_id: string;
  section: string;
  section_group: string;
  row: string;
  seats: string[];
  lots: number[];
  price: { prefee: number; total: number };
  /** A field the parser does not read, as the real payload has many. */
  delivery_type: string;
}

/** Share of the hermes listings that are listed on Gametime as well. */
const CROSS_LIST_RATE = 0.65;
/** Of those, the share priced within 1.5 % of the hermes all-in price. */
const NEAR_PRICE_RATE = 0.8;
/** Gametime-only listings, per hermes listing. */
const OWN_LISTING_RATE = 0.15;
/** Gametime reprices on its own schedule. */
const REPRICE_EVERY = 45 * 60_000;

/** A 24-hex-digit id like Gametime's, fixed per (seed, production). */
export function gametimeEventId(seed: number, productionId: string): string {
  return [0, 1, 2].map((k) => hash32(seed, 'gametime-event', productionId, k).toString(16).padStart(8, '0')).join('');
}

const centsOf = (dollars: string): number => Math.round(Number(dollars) * 100);

/** `q` consecutive seat numbers, starting where the listing id puts them. */
const seatsFor = (id: string, q: number): string[] => {
  const first = 1 + (hash32('seats', id) % 20);
  return Array.from({ length: q }, (_, i) => String(first + i));
};

/** Lots as Gametime writes them: the hermes splits, or every quantity up to the listing's size. */
const lotsFor = (m: string | undefined, q: number): number[] =>
  m === undefined ? Array.from({ length: q }, (_, i) => i + 1) : m.split(',').map(Number);

export function gametimeBody(seed: number, p: SimProduction, hermes: HermesBody, atMs: number): GametimeBody {
  const eventId = gametimeEventId(seed, p.productionId);
  const zoneName = new Map(hermes.groups.map((g) => [g.i, g.n]));
  const feeRate = 0.12 + 0.08 * unit(seed, 'gametime-fees', p.productionId);
  const slot = Math.floor(atMs / REPRICE_EVERY);
  const listings: GametimeListing[] = [];
  const add = (id: string, t: HermesBody['tickets'][number], allIn: number, q: number) =>
    listings.push({
      id,
      event_id: eventId,
      section: t.s,
      section_group: zoneName.get(t.c) ?? `Zone ${t.c}`,
      row: t.r,
      seats: seatsFor(id, q),
      lots: lotsFor(q === Number(t.q) ? t.m : undefined, q),
      price: { prefee: Math.round(allIn / (1 + feeRate)), total: allIn },
      delivery_type: 'mobile',
    });
  for (const t of hermes.tickets) {
    const aip = centsOf(t.aip);
    if (unit(seed, 'gametime-listed', t.i) < CROSS_LIST_RATE) {
      const near = unit(seed, 'gametime-near', t.i) < NEAR_PRICE_RATE;
      const draw = unit(seed, 'gametime-price', t.i, slot);
      const delta = near ? -0.015 + 0.03 * draw : 0.03 + 0.05 * draw;
      add(`gt-${t.i}`, t, Math.max(100, Math.round(aip * (1 + delta))), Number(t.q));
    }
    // Inventory only Gametime has: a neighbouring row, priced on its own.
    if (unit(seed, 'gametime-own', t.i) < OWN_LISTING_RATE) {
      const own = { ...t, r: /^\d+$/.test(t.r) ? String(Number(t.r) + 1) : `${t.r}${t.r}` };
      const factor = 0.9 + 0.25 * unit(seed, 'gametime-own-price', t.i, slot);
      add(`gto-${t.i}`, own, Math.max(100, Math.round(aip * factor)), Math.min(Number(t.q), 4));
    }
  }
  return {
    event: { id: eventId, name: p.name, datetime_utc: new Date(p.startsAt).toISOString() },
    listings,
    meta: { count: listings.length },
  };
}

/** The Gametime side of a market: event ids to productions, and the body at a time. */
export function gametimeView(seed: number, market: Market) {
  const byEventId = new Map(market.productions.map((p) => [gametimeEventId(seed, p.productionId), p]));
  return {
    productionOf: (eventId: string | null) => (eventId === null ? undefined : byEventId.get(eventId)),
    listingsAt(eventId: string, atMs: number): GametimeBody | undefined {
      const p = byEventId.get(eventId);
      const minute = Math.floor(atMs / 60_000) * 60_000;
      const hermes = p && market.listingsAt(p.productionId, minute);
      return p && hermes ? gametimeBody(seed, p, hermes, minute) : undefined;
    },
  };
}
