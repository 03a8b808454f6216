// The simulated marketplace's listings as a pure function of (seed, production, minute): nothing is
// stored between requests. Each production has a fixed pool of would-be listings; the time decides
// which are on sale, how many seats they still hold and at what price. As the event nears, prices
// drift up and inventory sells down.
//
// Behaviours that fool a naive diff of snapshots (each listing's `fate`, drawn apart so the pool
// itself is unchanged): pauses that come back within hours and hiatuses that come back after days,
// under the same id; withdrawals for good and unsold listings pulled before the show (not sales);
// price cuts shortly before a listing sells out. Sellers reprice at discrete times. What truly
// happened, sale by sale, is the sales log (sales-log.ts).
import { buildCatalog, type SimProduction, type SimZone } from './catalog.ts';
import { intBetween, pick, rngFor, unit } from './prng.ts';

export type { SimProduction, SimZone } from './catalog.ts';

/** The hermes listings body, values as strings like the real endpoint's. */
export interface HermesBody {
  global: {
    listingCount: string;
    ticketCount: string;
    lowestAip: string | null;
    averageAip: string | null;
    medianAip: string | null;
  }[];
  groups: { i: string; n: string }[];
  tickets: HermesTicket[];
}

export interface HermesTicket {
  i: string;
  c: string;
  s: string;
  r: string;
  q: string;
  p: string;
  aip: string;
  m?: string;
  /** Delivery method: a field the parser does not know, as the real payload has many. */
  d: string;
}

export interface MarketOptions {
  seed: number;
  events: number;
  /** Anchor for the catalog's start dates (epoch ms). */
  now: number;
}

export interface Market {
  readonly productions: readonly SimProduction[];
  /** The body the endpoint serves at `atMs`, identical within one minute; undefined for an unknown id. */
  listingsAt(productionId: string, atMs: number): HermesBody | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Sales open this long before the event; the sale's progress runs from 0 to 1 across it. */
const SALE_SPAN = 45 * DAY;
/** Sellers reprice about this often. */
const REPRICE_EVERY = 30 * MINUTE;
/** Listings blink off and on (seller pauses, holds) per slot of this length. */
const PAUSE_SLOT = 6 * HOUR;
const FAT_FINGER_RATE = 0.015;

type SplitRule = 'none' | 'whole' | 'pairs' | 'any';

export interface PoolListing {
  id: string;
  zone: SimZone;
  section: string;
  row: string;
  /** Sale progress at which it goes on sale, and at which its last seat sells. */
  listedAt: number;
  soldOutAt: number;
  seats: number;
  priceFactor: number;
  splitRule: SplitRule;
  /** A seller's typo: priced at a sliver of the market, the consumers' outlier flag should catch it. */
  fatFinger: boolean;
  delivery: string;
  fate: ListingFate;
}

/** What else happens to a listing than selling down (progress units, like listedAt). */
export interface ListingFate {
  /** Taken off sale for good with seats left (not a sale). */
  withdrawAt: number | null;
  /** Off sale for days, then back under the same id (longer than a relist window). */
  hiatus: [number, number] | null;
  /** Its price is cut this long (progress) before it sells out; 0: never. */
  cutLead: number;
  /** Pulled this many minutes before the show if still unsold (not a sale); null: stays to the end. */
  pullMinutes: number | null;
}

/** Why a pool listing is or is not on sale at a minute. */
export type ListingPhase =
  'listed' | 'upcoming' | 'paused' | 'hiatus' | 'sold_out' | 'withdrawn' | 'pulled' | 'started';

export interface ListingNow {
  phase: ListingPhase;
  /** Seats on sale (when listed, or hidden but not gone). */
  quantity: number;
  /** Seats its seller has sold so far, on this marketplace or another; frozen once withdrawn. */
  soldSeats: number;
}

const FATE_DAYS = DAY / SALE_SPAN;

function fateOf(seed: number, id: string, listedAt: number, soldOutAt: number): ListingFate {
  const rng = rngFor(seed, 'fate', id);
  const within = (a: number, b: number) => a + rng() * (b - a);
  const withdrawAt = rng() < 0.08 ? within(listedAt, soldOutAt) : null;
  const hiatusFrom = rng() < 0.05 ? within(listedAt, soldOutAt) : null;
  const hiatusDays = 2.5 + 2.5 * rng();
  return {
    withdrawAt,
    hiatus: hiatusFrom === null ? null : [hiatusFrom, hiatusFrom + hiatusDays * FATE_DAYS],
    cutLead: rng() < 0.35 ? (2 + 10 * rng()) * (FATE_DAYS / 24) : 0,
    pullMinutes: rng() < 0.5 ? Math.round(within(15, 240)) : null,
  };
}

export function buildPool(seed: number, p: SimProduction): PoolListing[] {
  const pool: PoolListing[] = [];
  for (const zone of p.zones) {
    for (const section of zone.sections) {
      const rng = rngFor(seed, 'pool', p.productionId, zone.id, section);
      const count = intBetween(rng, 4, 12);
      for (let k = 0; k < count; k++) {
        const rowNo = intBetween(rng, 1, 20);
        const listedAt = rng() < 0.7 ? 0 : rng() * 0.8;
        pool.push({
          id: String(700_000_000 + Number(p.productionId.slice(-4)) * 10_000 + pool.length),
          zone,
          section,
          row: zone.name === 'Floor' ? String.fromCharCode(64 + rowNo) : String(rowNo),
          listedAt,
          soldOutAt: listedAt + 0.05 + rng() * 1.3,
          seats: pick(rng, [1, 2, 2, 2, 3, 4, 4, 4, 6, 8]),
          // Front rows cost more; the rest is the seller's own idea of value.
          priceFactor: (1.2 - rowNo * 0.02) * (0.85 + 0.5 * rng() ** 2),
          splitRule: pick(rng, ['none', 'whole', 'pairs', 'any', 'any'] as const),
          fatFinger: rng() < FAT_FINGER_RATE,
          delivery: pick(rng, ['Mobile Transfer', 'Instant Download', 'Mobile Transfer']),
          fate: { withdrawAt: null, hiatus: null, cutLead: 0, pullMinutes: null },
        });
        const l = pool.at(-1)!;
        l.fate = fateOf(seed, l.id, l.listedAt, l.soldOutAt);
      }
    }
  }
  return pool;
}

/** What a buyer may take from a listing of `q` seats, as hermes writes it ("2,4"). */
function splitsFor(rule: SplitRule, q: number): string | undefined {
  if (rule === 'none') return undefined;
  if (rule === 'whole' || q === 1) return String(q);
  const sizes = Array.from({ length: q }, (_, i) => i + 1).filter((n) =>
    // Sellers avoid leaving a single seat behind; "pairs" sells even blocks only.
    rule === 'pairs' ? n % 2 === 0 || n === q : n !== q - 1,
  );
  return sizes.join(',');
}

const dollars = (cents: number): string => (cents / 100).toFixed(2);

function summary(tickets: HermesTicket[]): HermesBody['global'][number] {
  const aips = tickets.map((t) => Math.round(Number(t.aip) * 100)).sort((a, b) => a - b);
  const mid = aips.length >> 1;
  const median = aips.length === 0 ? null : aips.length % 2 ? aips[mid]! : (aips[mid - 1]! + aips[mid]!) / 2;
  return {
    listingCount: String(tickets.length),
    ticketCount: String(tickets.reduce((n, t) => n + Number(t.q), 0)),
    lowestAip: aips.length ? dollars(aips[0]!) : null,
    averageAip: aips.length ? dollars(Math.round(aips.reduce((a, b) => a + b, 0) / aips.length)) : null,
    medianAip: median === null ? null : dollars(Math.round(median)),
  };
}

const progressAt = (p: SimProduction, t: number) => Math.min(1, Math.max(0, 1 - (p.startsAt - t) / SALE_SPAN));

/** Seats sold by `progress` on the schedule: the last one at soldOutAt. */
const soldBy = (l: PoolListing, progress: number) =>
  progress >= l.soldOutAt
    ? l.seats
    : Math.min(l.seats - 1, Math.floor(((progress - l.listedAt) / (l.soldOutAt - l.listedAt)) * l.seats));

/** A pool listing at minute `t`: on sale or why not, and its seats (the simulator's truth). */
export function listingNow(seed: number, p: SimProduction, l: PoolListing, t: number): ListingNow {
  const progress = progressAt(p, t);
  if (progress < l.listedAt) return { phase: 'upcoming', quantity: l.seats, soldSeats: 0 };
  // It ends sold out, withdrawn or pulled, whichever comes first; before the start at the latest.
  const pullAt = l.fate.pullMinutes === null ? Infinity : progressAt(p, p.startsAt - l.fate.pullMinutes * MINUTE);
  const endsAt = Math.min(l.soldOutAt, l.fate.withdrawAt ?? Infinity, pullAt);
  const sold = soldBy(l, Math.min(progress, endsAt));
  const left = { quantity: l.seats - sold, soldSeats: sold };
  if (progress >= endsAt) {
    const phase = endsAt === l.soldOutAt ? 'sold_out' : endsAt === pullAt ? 'pulled' : 'withdrawn';
    return { phase, ...left };
  }
  if (t >= p.startsAt) return { phase: 'started', ...left };
  // Hidden, still selling (elsewhere): the seats it comes back with are fewer.
  if (l.fate.hiatus && progress >= l.fate.hiatus[0] && progress < l.fate.hiatus[1]) return { phase: 'hiatus', ...left };
  if (unit(seed, 'pause', l.id, Math.floor(t / PAUSE_SLOT)) < 0.05) return { phase: 'paused', ...left };
  return { phase: 'listed', ...left };
}

/** A listing's prices at `t` (per ticket, cents): base (before fees) and all-in. */
export function priceAt(seed: number, p: SimProduction, l: PoolListing, t: number): { base: number; allIn: number } {
  // Each listing reprices on its own schedule, so prices do not all jump on the same minute; between
  // repricings it holds its price.
  const phase = Math.floor(unit(seed, 'phase', l.id) * REPRICE_EVERY);
  const slot = Math.floor((t + phase) / REPRICE_EVERY);
  // Demand pushes prices up as the date nears, fastest in the last days.
  const demand = 1 + 0.8 * progressAt(p, slot * REPRICE_EVERY - phase) ** 2;
  const noise = 0.95 + 0.1 * unit(seed, 'noise', l.id, slot);
  const cut = l.fate.cutLead > 0 && progressAt(p, t) >= l.soldOutAt - l.fate.cutLead ? 0.85 : 1;
  const factor = l.fatFinger ? 0.05 : l.priceFactor * noise * cut;
  const base = Math.max(100, Math.round(l.zone.basePriceCents * demand * factor));
  const feeRate = 0.18 + 0.12 * unit(seed, 'fees', p.productionId);
  return { base, allIn: Math.round(base * (1 + feeRate)) };
}

function ticketsAt(seed: number, p: SimProduction, pool: PoolListing[], t: number): HermesTicket[] {
  const tickets: HermesTicket[] = [];
  for (const l of pool) {
    const now = listingNow(seed, p, l, t);
    if (now.phase !== 'listed') continue;
    const q = now.quantity;
    const { base, allIn } = priceAt(seed, p, l, t);
    const m = splitsFor(l.splitRule, q);
    tickets.push({
      i: l.id,
      c: l.zone.id,
      s: l.section,
      r: l.row,
      q: String(q),
      p: dollars(base),
      aip: dollars(allIn),
      ...(m === undefined ? {} : { m }),
      d: l.delivery,
    });
  }
  return tickets;
}

export function createMarket(opts: MarketOptions): Market {
  const productions = buildCatalog(opts.seed, opts.events, opts.now);
  const byId = new Map(productions.map((p) => [p.productionId, p]));
  // Pools are fixed per production; built on first request and kept.
  const pools = new Map<string, PoolListing[]>();
  return {
    productions,
    listingsAt(id, atMs) {
      const p = byId.get(id);
      if (!p) return undefined;
      let pool = pools.get(id);
      if (!pool) pools.set(id, (pool = buildPool(opts.seed, p)));
      const tickets = ticketsAt(opts.seed, p, pool, Math.floor(atMs / MINUTE) * MINUTE);
      return { global: [summary(tickets)], groups: p.zones.map((z) => ({ i: z.id, n: z.name })), tickets };
    },
  };
}
