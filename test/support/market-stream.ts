// Snapshots of the simulated marketplace (the listings a scraper would have seen), for the lifecycle
// tests and the bench's sales inference: every `stepMinutes` over [from, to) for each production,
// parsed as the scraper does, with some scrapes partial (a third of the listings left out, the full
// count announced: the simulator's `partial` fault) so the lifecycle must skip them.
import type { ListingSnapshot } from '../../lib/model.ts';
import { parseHermes } from '../../producers/sources/hermes.ts';
import { createMarket, type HermesBody, type Market } from '../../producers/sources/simulated/market.ts';
import { partialBody } from '../../producers/sources/simulated/partial.ts';
import { prng } from './stream.ts';

export interface MarketStreamOptions {
  seed: number;
  events: number;
  /** The catalog's anchor (its events start 2 to 40 days after it). */
  now: number;
  stepMinutes: number;
  /** Share of scrapes answered partially. */
  partialRate?: number;
  /** Per production: the window to scrape, from its start time (ms before the show). */
  window: { fromBeforeStartMs: number; toBeforeStartMs: number };
}

export interface MarketStream {
  market: Market;
  snapshots: ListingSnapshot[];
  /** Per production: the scraped window. */
  windows: Map<string, { from: number; to: number; eventId: string }>;
}

export const simEventId = (productionId: string) => `simulated-${productionId}`;

export function marketStream(o: MarketStreamOptions): MarketStream {
  const market = createMarket({ seed: o.seed, events: o.events, now: o.now });
  const rnd = prng(o.seed * 31 + 1);
  const snapshots: ListingSnapshot[] = [];
  const windows = new Map<string, { from: number; to: number; eventId: string }>();
  const step = o.stepMinutes * 60_000;
  let n = 0;
  for (const p of market.productions) {
    const from = p.startsAt - o.window.fromBeforeStartMs;
    const to = p.startsAt - o.window.toBeforeStartMs;
    const eventId = simEventId(p.productionId);
    windows.set(p.productionId, { from, to, eventId });
    for (let t = from; t < to; t += step) {
      let body = market.listingsAt(p.productionId, t)!;
      if (rnd() < (o.partialRate ?? 0)) body = partialBody(body) as HermesBody;
      const parsed = parseHermes(body);
      snapshots.push({
        snapshot_id: `${eventId}-${n++}`,
        job_id: 'sim',
        event_id: eventId,
        source: 'simulated',
        source_event_id: p.productionId,
        scraped_at: t,
        event_starts_at: p.startsAt,
        zones: parsed.zones,
        rejected: parsed.rejected,
        expected_listings: parsed.expectedListings ?? null,
      });
    }
  }
  // Scrapes arrive in time order across events, as a scheduler's jobs produce them.
  return { market, snapshots: snapshots.sort((a, b) => a.scraped_at - b.scraped_at), windows };
}
