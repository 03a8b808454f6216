// Demo history for the simulated marketplace: snapshots of the past hours, taken straight from the
// simulation (no HTTP, no rate limit) and published exactly like scraped ones, so a fresh
// `npm start` shows trends at once. Only for the simulated source: real history cannot be fetched.
import { randomUUID } from 'node:crypto';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { CatalogEvent, ListingSnapshot } from '../lib/model.ts';
import { parseHermes } from './sources/vividseats/hermes.ts';
import type { Market } from './sources/simulated/market.ts';

export async function backfillFromSimulation(opts: {
  market: Market;
  events: CatalogEvent[];
  producer: AvroProducer;
  hours: number;
  stepMinutes?: number;
  now?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<number> {
  const now = opts.now ?? Date.now();
  const step = (opts.stepMinutes ?? 30) * 60_000;
  const jobId = `backfill-${randomUUID()}`;
  const times: number[] = [];
  for (let t = now - opts.hours * 3_600_000; t < now; t += step) times.push(t);
  const total = times.length * opts.events.length;
  let done = 0;
  for (const t of times) {
    const batch: ListingSnapshot[] = [];
    for (const e of opts.events) {
      const body = opts.market.listingsAt(e.source_event_id, t);
      if (!body) continue;
      const { zones, rejected, expectedListings } = parseHermes(body);
      batch.push({
        snapshot_id: randomUUID(),
        job_id: jobId,
        event_id: e.event_id,
        source: e.source,
        source_event_id: e.source_event_id,
        scraped_at: t,
        event_starts_at: e.starts_at,
        zones,
        rejected,
        expected_listings: expectedListings,
      });
    }
    await opts.producer.send(
      'snapshots',
      batch.map((s) => ({ key: s.event_id, value: s })),
    );
    done += opts.events.length;
    opts.onProgress?.(done, total);
  }
  return done;
}
