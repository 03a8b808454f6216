// The simulated marketplace's listings as a pure function of (seed, production, minute): nothing is
// stored between requests. Each production has a fixed pool of would-be listings; the time decides
// which are on sale, how many seats they still hold and at what price. As the event nears, prices
// drift up and inventory sells down.
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

interface PoolListing {
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
}

function buildPool(seed: number, p: SimProduction): PoolListing[] {
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
        });
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

function ticketsAt(seed: number, p: SimProduction, pool: PoolListing[], t: number): HermesTicket[] {
  if (t >= p.startsAt) return [];
  const progress = Math.min(1, Math.max(0, 1 - (p.startsAt - t) / SALE_SPAN));
  // Demand pushes prices up as the date nears, fastest in the last days.
  const demand = 1 + 0.8 * progress ** 2;
  const feeRate = 0.18 + 0.12 * unit(seed, 'fees', p.productionId);
  const tickets: HermesTicket[] = [];
  for (const l of pool) {
    if (progress < l.listedAt || progress >= l.soldOutAt) continue;
    if (unit(seed, 'pause', l.id, Math.floor(t / PAUSE_SLOT)) < 0.05) continue;
    const sold = Math.floor(((progress - l.listedAt) / (l.soldOutAt - l.listedAt)) * l.seats);
    const q = Math.max(1, l.seats - sold);
    // Each listing reprices on its own schedule, so prices do not all jump on the same minute.
    const phase = Math.floor(unit(seed, 'phase', l.id) * REPRICE_EVERY);
    const noise = 0.95 + 0.1 * unit(seed, 'noise', l.id, Math.floor((t + phase) / REPRICE_EVERY));
    const factor = l.fatFinger ? 0.05 : l.priceFactor * noise;
    const base = Math.max(100, Math.round(l.zone.basePriceCents * demand * factor));
    const m = splitsFor(l.splitRule, q);
    tickets.push({
      i: l.id,
      c: l.zone.id,
      s: l.section,
      r: l.row,
      q: String(q),
      p: dollars(base),
      aip: dollars(Math.round(base * (1 + feeRate))),
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
