// An independent recomputation of the zone rollups straight from raw snapshots, written from the
// rules in docs/metrics.md without using consumers/metrics or ClickHouse. Tests compare the
// pipeline's tables against it.
import type { Listing, ListingSnapshot } from '../../lib/model.ts';

export interface ExpectedRollup {
  event_id: string;
  zone: string;
  start: number;
  min_price_cents: number | null;
  avg_price_cents: number | null;
  max_price_cents: number | null;
  min_price_2_cents: number | null;
  min_price_4_cents: number | null;
  open_price_cents: number | null;
  close_price_cents: number | null;
  tickets_last: number;
  tickets_avg: number;
  tickets_peak: number;
  listings_last: number;
  listings_avg: number;
  listings_peak: number;
  scrapes: number;
}

interface ZoneObs {
  t: number;
  lowest: number | null;
  highest: number | null;
  sum: number;
  count: number;
  low2: number | null;
  low4: number | null;
  tickets: number;
  listings: number;
}

const minOf = (xs: number[]) => (xs.length ? Math.min(...xs) : null);
const medianOf = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sellable = (l: Listing, n: number) => (l.splits && l.splits.length ? l.splits.includes(n) : l.quantity >= n);

/**
 * `snapshots` in the order the consumer sees them (per event: production order). Duplicated
 * snapshot ids are counted once. Outliers: price < ratio × median of this zone's scrape medians in
 * the trailing 24 h (this scrape included), left out of the get-in prices only.
 */
export function recomputeRollups(snapshots: ListingSnapshot[], windowMs: number, ratio = 0.25): ExpectedRollup[] {
  const seen = new Set<string>();
  const medians = new Map<string, Array<[number, number]>>();
  const obs = new Map<string, { event_id: string; zone: string; start: number; list: ZoneObs[] }>();
  for (const s of snapshots) {
    if (seen.has(s.snapshot_id)) continue;
    seen.add(s.snapshot_id);
    for (const z of s.zones) {
      const valid = z.sections
        .flatMap((sec) => sec.listings)
        .filter(
          (l) =>
            Number.isInteger(l.quantity) &&
            l.quantity >= 1 &&
            l.all_in_price_cents !== null &&
            l.all_in_price_cents > 0,
        );
      const prices = valid.map((l) => l.all_in_price_cents!);
      const key = `${s.event_id}|${s.source}|${z.zone_id}`;
      const zm = medianOf(prices);
      const series = medians.get(key) ?? [];
      if (zm !== null && !series.some(([t]) => t === s.scraped_at)) series.push([s.scraped_at, zm]);
      medians.set(key, series);
      const ref = medianOf(
        series.filter(([t]) => t > s.scraped_at - 86_400_000 && t <= s.scraped_at).map(([, m]) => m),
      );
      const getIn = valid.filter((l) => ref === null || !(l.all_in_price_cents! < ratio * ref));
      const start = Math.floor(s.scraped_at / windowMs) * windowMs;
      const wk = `${s.event_id}|${z.name}|${start}`;
      const w = obs.get(wk) ?? { event_id: s.event_id, zone: z.name, start, list: [] };
      w.list.push({
        t: s.scraped_at,
        lowest: minOf(getIn.map((l) => l.all_in_price_cents!)),
        highest: prices.length ? Math.max(...prices) : null,
        sum: prices.reduce((a, b) => a + b, 0),
        count: prices.length,
        low2: minOf(getIn.filter((l) => sellable(l, 2)).map((l) => 2 * l.all_in_price_cents!)),
        low4: minOf(getIn.filter((l) => sellable(l, 4)).map((l) => 4 * l.all_in_price_cents!)),
        tickets: valid.reduce((a, l) => a + l.quantity, 0),
        listings: valid.length,
      });
      obs.set(wk, w);
    }
  }
  return [...obs.values()].map(({ event_id, zone, start, list }) => {
    const byTime = [...list].sort((a, b) => a.t - b.t);
    const priced = byTime.filter((o) => o.lowest !== null);
    const sum = list.reduce((a, o) => a + o.sum, 0);
    const count = list.reduce((a, o) => a + o.count, 0);
    const last = byTime.at(-1)!;
    const nonNull = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);
    return {
      event_id,
      zone,
      start,
      min_price_cents: minOf(nonNull(list.map((o) => o.lowest))),
      avg_price_cents: count ? sum / count : null,
      max_price_cents: nonNull(list.map((o) => o.highest)).length
        ? Math.max(...nonNull(list.map((o) => o.highest)))
        : null,
      min_price_2_cents: minOf(nonNull(list.map((o) => o.low2))),
      min_price_4_cents: minOf(nonNull(list.map((o) => o.low4))),
      open_price_cents: priced[0]?.lowest ?? null,
      close_price_cents: priced.at(-1)?.lowest ?? null,
      tickets_last: last.tickets,
      tickets_avg: list.reduce((a, o) => a + o.tickets, 0) / list.length,
      tickets_peak: Math.max(...list.map((o) => o.tickets)),
      listings_last: last.listings,
      listings_avg: list.reduce((a, o) => a + o.listings, 0) / list.length,
      listings_peak: Math.max(...list.map((o) => o.listings)),
      scrapes: list.length,
    };
  });
}
