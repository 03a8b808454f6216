// The benchmark's data set: reproducible raw snapshots of a fixed shape (zones × sections × listings),
// with the listing faults the consumers must reject (missing, zero and negative prices, zero
// quantities) but WITHOUT fat-fingered prices, so that no listing is an outlier and both ingest paths
// (ours, and ClickHouse's Kafka engine with materialized views) must agree on every section metric,
// get-in prices included.
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Listing, ListingSnapshot, Zone } from '../../lib/model.ts';
import { prng } from '../../test/support/stream.ts';

export interface DatasetSpec {
  snapshots: number;
  events: number;
  zones: number;
  sectionsPerZone: number;
  listingsPerSection: number;
  seed: number;
  /** Scrape interval of one event (ms). */
  intervalMs: number;
  /** scraped_at of the last scrape (epoch ms); the first is `(snapshots / events) × interval` earlier. */
  endAt: number;
}

export const listingsPerSnapshot = (s: DatasetSpec): number => s.zones * s.sectionsPerZone * s.listingsPerSection;
export const sectionsPerSnapshot = (s: DatasetSpec): number => s.zones * s.sectionsPerZone;

export const eventIdOf = (seed: number, e: number): string => `bench-${seed}-evt-${e}`;

const ZONE_NAMES = ['Floor', 'Lower Bowl', 'Club', 'Upper Bowl', 'Balcony', 'Terrace', 'Suites', 'Pit'];

/** Snapshot `i` of the data set (events take turns; each event's scrapes are `intervalMs` apart). */
export function snapshotAt(spec: DatasetSpec, i: number): ListingSnapshot {
  const e = i % spec.events;
  const k = Math.floor(i / spec.events);
  const scrapes = Math.ceil(spec.snapshots / spec.events);
  const rnd = prng(spec.seed * 1_000_003 + i);
  const eventId = eventIdOf(spec.seed, e);
  const scrapedAt = spec.endAt - (scrapes - 1 - k) * spec.intervalMs - e * 997;
  const zones: Zone[] = [];
  for (let z = 0; z < spec.zones; z++) {
    // A zone's price level drifts slowly per event; listings sit 0.8×–1.6× around it, so the lowest
    // price is never under 25 % of the zone's median: nothing is an outlier.
    const level = 6_000 + z * 3_500 + ((e * 7_919 + z * 104_729) % 4_000) + k * 3;
    const sections = [];
    for (let s = 0; s < spec.sectionsPerZone; s++) {
      const listings: Listing[] = [];
      for (let l = 0; l < spec.listingsPerSection; l++) {
        const base = Math.round(level * (0.8 + 0.8 * rnd()));
        const q = 1 + Math.floor(rnd() * 6);
        const r = rnd();
        let allIn: number | null = Math.round(base * 1.22);
        let quantity = q;
        if (r < 0.02) allIn = null;
        else if (r < 0.03) allIn = 0;
        else if (r < 0.04) allIn = -base;
        else if (r < 0.05) quantity = 0;
        const sr = rnd();
        listings.push({
          listing_id: `${e}-${z}-${s}-${l}`,
          row: String(1 + ((l * 7) % 30)),
          quantity,
          base_price_cents: base,
          all_in_price_cents: allIn,
          splits: sr > 0.7 ? [q] : sr > 0.4 ? [2, 4].filter((x) => x <= q) : null,
        });
      }
      sections.push({ name: `${100 * (z + 1) + s}`, listings });
    }
    zones.push({ zone_id: `z${z}`, name: ZONE_NAMES[z % ZONE_NAMES.length]!, sections });
  }
  return {
    snapshot_id: `bench-${spec.seed}-snap-${i}`,
    job_id: `bench-job-${k}`,
    event_id: eventId,
    source: 'simulated',
    source_event_id: String(9_000 + e),
    scraped_at: scrapedAt,
    event_starts_at: spec.endAt + 30 * 86_400_000,
    zones,
    rejected: [],
  };
}

/** Publishes the whole data set (Avro through the registry, key = event_id); returns seconds taken. */
export async function produceDataset(
  producer: AvroProducer,
  spec: DatasetSpec,
  onProgress?: (done: number) => void,
): Promise<number> {
  const t0 = performance.now();
  const chunk = 100;
  for (let i = 0; i < spec.snapshots; i += chunk) {
    const records = [];
    for (let j = i; j < Math.min(spec.snapshots, i + chunk); j++) {
      const s = snapshotAt(spec, j);
      records.push({ key: s.event_id, value: s });
    }
    await producer.send('snapshots', records);
    onProgress?.(Math.min(spec.snapshots, i + chunk));
  }
  return (performance.now() - t0) / 1000;
}
