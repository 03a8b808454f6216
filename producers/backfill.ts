// Demo history for the simulated marketplace: snapshots of the past hours, taken straight from the
// simulation (no HTTP, no rate limit) and published exactly like scraped ones, so a fresh
// `npm start` shows trends at once. Only for the simulated sources (`simulated`, the hermes API, and
// `simulated-gametime`, the same market as Gametime lists it): real history cannot be fetched. An
// event on both gets one snapshot per source and moment, each read by its own source's parser.
import { randomUUID } from 'node:crypto';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { CatalogEvent, EventSourceRef, ListingSnapshot } from '../lib/model.ts';
import { eventSources } from '../lib/sources/event-sources.ts';
import { parseGametime } from './sources/gametime/parser.ts';
import { gametimeView } from './sources/simulated/gametime.ts';
import type { Market } from './sources/simulated/market.ts';
import { parseHermes, type ParsedListings } from './sources/vividseats/hermes.ts';

/** The sources the backfill can make history for: those the bundled simulator serves. */
export const SIMULATED_SOURCES: readonly string[] = ['simulated', 'simulated-gametime'];

/** A simulated source's parsed listings of an event at a time; undefined for an unknown event. */
type Reader = (sourceEventId: string, atMs: number) => ParsedListings | undefined;

function readers(market: Market, seed: number | undefined): Record<string, Reader> {
  let gametime: ReturnType<typeof gametimeView> | undefined;
  return {
    simulated: (id, at) => {
      const body = market.listingsAt(id, at);
      return body && parseHermes(body);
    },
    'simulated-gametime': (id, at) => {
      if (seed === undefined)
        throw new Error('backfill: a simulated-gametime source needs the market seed (opts.seed)');
      gametime ??= gametimeView(seed, market);
      const body = gametime.listingsAt(id, at);
      return body && parseGametime(body);
    },
  };
}

export async function backfillFromSimulation(opts: {
  market: Market;
  /** Events on other sources too are fine: only their simulated sources get history. */
  events: CatalogEvent[];
  producer: AvroProducer;
  hours: number;
  /** The seed the market was made with: the simulated Gametime side derives its ids and prices from it. */
  seed?: number;
  stepMinutes?: number;
  now?: number;
  /** Counts snapshots planned: one per event and simulated source per moment. */
  onProgress?: (done: number, total: number) => void;
}): Promise<number> {
  const now = opts.now ?? Date.now();
  const step = (opts.stepMinutes ?? 30) * 60_000;
  const jobId = `backfill-${randomUUID()}`;
  const read = readers(opts.market, opts.seed);
  const plan: Array<{ event: CatalogEvent; ref: EventSourceRef; read: Reader }> = opts.events.flatMap((event) =>
    eventSources(event)
      .filter((ref) => SIMULATED_SOURCES.includes(ref.source))
      .map((ref) => ({ event, ref, read: read[ref.source]! })),
  );
  const times: number[] = [];
  for (let t = now - opts.hours * 3_600_000; t < now; t += step) times.push(t);
  const total = times.length * plan.length;
  let done = 0;
  for (const t of times) {
    const batch: ListingSnapshot[] = [];
    for (const { event: e, ref, read } of plan) {
      const parsed = read(ref.source_event_id, t);
      if (!parsed) continue;
      batch.push({
        snapshot_id: randomUUID(),
        job_id: jobId,
        event_id: e.event_id,
        source: ref.source,
        source_event_id: ref.source_event_id,
        scraped_at: t,
        event_starts_at: e.starts_at,
        zones: parsed.zones,
        rejected: parsed.rejected,
        expected_listings: parsed.expectedListings ?? null,
      });
    }
    await opts.producer.send(
      'snapshots',
      batch.map((s) => ({ key: s.event_id, value: s })),
    );
    done += plan.length;
    opts.onProgress?.(done, total);
  }
  return done;
}
