// The all-sources rules of docs/metrics.md (#all-sources, #cross-site-dedupe) in plain TypeScript:
// an independent model that tests compare ClickHouse's all-sources views (consumers/snapshots/
// all-sources-views.ts) and the API with. Production computes them in SQL only.
//
// Input: one event's snapshots in the order the consumer processes them (offset order), each with
// the per-listing verdicts of its own source (compute.ts). Per snapshot x: its listings, plus the
// latest snapshot of each other source processed before x and scraped in (x − max age, x]. Prices
// over every listing; tickets and listings count a listing once when it is the same inventory as a
// listing of a source earlier by name (same section and row, all-in within the tolerance, seats not
// contradicting).
import type { ListingSnapshot, PriceMetrics } from '../../../lib/model.ts';
import type { SnapshotMetrics } from './compute.ts';
import { priceMetrics } from './price-metrics.ts';

export interface AllSourcesOptions {
  /** TWS_DEDUPE_PRICE_TOLERANCE, e.g. 0.02. */
  tolerance: number;
  /** TWS_ALL_SOURCES_MAX_AGE_SECONDS in ms. */
  maxAgeMs: number;
  excludeOutliers: boolean;
}

export interface ProcessedSnapshot {
  snapshot: ListingSnapshot;
  metrics: SnapshotMetrics;
}

export interface AllSourcesZoneRow extends PriceMetrics {
  zone: string;
  zone_id: string;
  sections: number;
  duplicate_listings: number;
}

export interface AllSourcesSnapshot {
  snapshot: ListingSnapshot;
  /** The sources combined: this one first, then the others by name. */
  sources: string[];
  snapshot_ids: string[];
  zones: AllSourcesZoneRow[];
  /** For each own listing (zone id | section | listing id | index among equal keys): the sources it is also on. */
  alsoOn: Map<string, string[]>;
}

/** A section or row label as sites write it: case, spacing and a leading "Section"/"Sec."/"Row" aside. */
export const placeKey = (label: string): string =>
  label
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/^(section|sect|sec|row)(\.\s*|\s+)/, '');

interface UnionListing {
  source: string;
  zone: string;
  section: string;
  sectionKey: string;
  rowKey: string;
  seats: string[];
  price: number | null;
  quantity: number;
  outlier: boolean;
  item: ProcessedSnapshot['metrics']['listings'][number];
  own: boolean;
}

/** The rule of docs/metrics.md#cross-site-dedupe for two listings of different sources. */
export function sameInventory(a: UnionListing, b: UnionListing, tolerance: number): boolean {
  if (a.source === b.source || a.price === null || b.price === null) return false;
  if (a.sectionKey === '' || a.rowKey === '' || a.sectionKey !== b.sectionKey || a.rowKey !== b.rowKey) return false;
  if (Math.abs(a.price - b.price) > tolerance * Math.min(a.price, b.price)) return false;
  return a.seats.length === 0 || b.seats.length === 0 || a.seats.some((s) => b.seats.includes(s));
}

function unionListings(p: ProcessedSnapshot, own: boolean): UnionListing[] {
  return p.metrics.listings.map((v) => ({
    source: p.snapshot.source,
    zone: v.zone,
    section: v.section,
    sectionKey: placeKey(v.section),
    rowKey: placeKey(v.listing.row),
    seats: v.listing.seats ?? [],
    price: v.priceCents,
    quantity: v.listing.quantity,
    outlier: v.outlier,
    item: v,
    own,
  }));
}

/** Zone name → (zone id, section names) of a snapshot, as its own zone rows name them. */
function zonesOf(p: ProcessedSnapshot): Array<{ source: string; zone: string; zone_id: string; sections: string[] }> {
  const byId = new Map<string, { zone: string; sections: Set<string> }>();
  for (const z of p.snapshot.zones) {
    let g = byId.get(z.zone_id);
    // A repeated zone id is one zone, named as its first entry (compute.ts does the same).
    if (!g) byId.set(z.zone_id, (g = { zone: z.name, sections: new Set() }));
    for (const s of z.sections) g.sections.add(s.name);
  }
  return [...byId].map(([zone_id, g]) => ({
    source: p.snapshot.source,
    zone: g.zone,
    zone_id,
    sections: [...g.sections],
  }));
}

/** Every snapshot's all-sources rows, in processing order. */
export function allSources(processed: readonly ProcessedSnapshot[], opts: AllSourcesOptions): AllSourcesSnapshot[] {
  return processed.map((x, k) => {
    const t = x.snapshot.scraped_at;
    const peers = new Map<string, { p: ProcessedSnapshot; j: number }>();
    for (let j = 0; j < k; j++) {
      const y = processed[j]!;
      const s = y.snapshot.source;
      const ty = y.snapshot.scraped_at;
      if (s === x.snapshot.source || ty > t || ty <= t - opts.maxAgeMs) continue;
      const best = peers.get(s);
      // The latest by scrape time; of equal times, the one processed last.
      if (!best || ty > best.p.snapshot.scraped_at || ty === best.p.snapshot.scraped_at) peers.set(s, { p: y, j });
    }
    const others = [...peers.values()].sort((a, b) => (a.p.snapshot.source < b.p.snapshot.source ? -1 : 1));
    const union = [...unionListings(x, true), ...others.flatMap((o) => unionListings(o.p, false))];

    const duplicate = union.map((l) => union.some((m) => m.source < l.source && sameInventory(l, m, opts.tolerance)));
    const alsoOn = new Map<string, string[]>();
    const seenKeys = new Map<string, number>();
    union.forEach((l) => {
      if (!l.own) return;
      const base = `${l.item.zone_id}|${l.section}|${l.item.listing.listing_id}`;
      const n = seenKeys.get(base) ?? 0;
      seenKeys.set(base, n + 1);
      const sources = [...new Set(union.filter((m) => sameInventory(l, m, opts.tolerance)).map((m) => m.source))];
      alsoOn.set(`${base}|${n}`, sources.sort());
    });

    const zoneEntries = [x, ...others.map((o) => o.p)].flatMap(zonesOf);
    const names = [...new Set(zoneEntries.map((z) => z.zone))];
    const zones = names.map((zone): AllSourcesZoneRow => {
      const entries = zoneEntries.filter((z) => z.zone === zone);
      const first = [...entries].sort((a, b) =>
        a.source !== b.source ? (a.source < b.source ? -1 : 1) : a.zone_id < b.zone_id ? -1 : 1,
      )[0]!;
      const items = union.map((l, i) => ({ l, dup: duplicate[i]! })).filter(({ l }) => l.zone === zone);
      const metrics = priceMetrics(
        items.map(({ l }) => ({ listing: l.item.listing, priceCents: l.price, outlier: l.outlier })),
        opts.excludeOutliers,
      );
      const counted = items.filter(({ l, dup }) => l.price !== null && !dup);
      const tickets = counted.reduce((n, { l }) => n + l.quantity, 0);
      return {
        ...metrics,
        total_tickets: tickets,
        total_listings: counted.length,
        available: tickets > 0,
        zone,
        zone_id: first.zone_id,
        sections: new Set(entries.flatMap((z) => z.sections)).size,
        duplicate_listings: items.filter(({ l, dup }) => l.price !== null && dup).length,
      };
    });
    return {
      snapshot: x.snapshot,
      sources: [x.snapshot.source, ...others.map((o) => o.p.snapshot.source)],
      snapshot_ids: [x.snapshot.snapshot_id, ...others.map((o) => o.p.snapshot.snapshot_id)],
      zones,
      alsoOn,
    };
  });
}
