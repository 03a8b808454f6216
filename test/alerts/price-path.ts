// Simulated price paths for the alert tests, as the metrics consumer would publish them to
// tws.metrics.zones.v1 and write to section_snapshots. The prices are worked out here from the
// listings with the contract's rules (docs/metrics.md): the get-in price is the lowest all-in price
// per ticket; N seats together come from one listing whose seller allows selling N (its splits, or
// its quantity when it gives none). The real consumer's computation is tested in its own suites and
// end to end in test/e2e/alerts-start.test.ts.
import { randomUUID } from 'node:crypto';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Listing, ListingSnapshot, ZoneMetricsRecord } from '../../lib/model.ts';

export interface PathListing {
  section: string;
  id: string;
  quantity: number;
  splits: number[] | null;
  /** All-in price per ticket, cents. */
  price: number;
}

export interface Scrape {
  event_id: string;
  at: number;
  zones: Array<{ zone_id: string; zone: string; listings: PathListing[] }>;
}

const listing = (l: PathListing): Listing => ({
  listing_id: l.id,
  row: 'A',
  quantity: l.quantity,
  base_price_cents: Math.round(l.price * 0.8),
  all_in_price_cents: l.price,
  splits: l.splits,
});

/** The scrape as the scraper publishes it (for tests that run the real metrics consumer). */
export function snapshotOf(s: Scrape): ListingSnapshot {
  return {
    snapshot_id: randomUUID(),
    job_id: 'job-alerts',
    event_id: s.event_id,
    source: 'simulated',
    source_event_id: s.event_id,
    scraped_at: s.at,
    event_starts_at: null,
    zones: s.zones.map((z) => ({
      zone_id: z.zone_id,
      name: z.zone,
      sections: [...new Set(z.listings.map((l) => l.section))].map((name) => ({
        name,
        listings: z.listings.filter((l) => l.section === name).map(listing),
      })),
    })),
    rejected: [],
  };
}

const canSell = (l: PathListing, n: number): boolean =>
  l.quantity >= n && (l.splits === null || l.splits.length === 0 ? true : l.splits.includes(n));

const lowest = (xs: number[]): number | null => (xs.length ? Math.min(...xs) : null);

function metricsOf(listings: PathListing[]) {
  const prices = listings.map((l) => l.price);
  return {
    lowest_price_cents: lowest(prices),
    lowest_base_price_cents: lowest(listings.map((l) => Math.round(l.price * 0.8))),
    average_price_cents: prices.length ? prices.reduce((a, b) => a + b, 0) / prices.length : null,
    median_price_cents: lowest(prices),
    highest_price_cents: prices.length ? Math.max(...prices) : null,
    lowest_price_2_cents: lowest(listings.filter((l) => canSell(l, 2)).map((l) => 2 * l.price)),
    lowest_price_4_cents: lowest(listings.filter((l) => canSell(l, 4)).map((l) => 4 * l.price)),
    total_tickets: listings.reduce((n, l) => n + l.quantity, 0),
    total_listings: listings.length,
  };
}

export interface Computed {
  records: ZoneMetricsRecord[];
  sectionRows: Record<string, unknown>[];
  /** One `snapshots` row per scrape: the section reader reads each source's latest scrape there. */
  snapshotRows: Record<string, unknown>[];
}

/** The zone records and section rows of these scrapes. */
export function compute(scrapes: Scrape[]): Computed {
  const out: Computed = { records: [], sectionRows: [], snapshotRows: [] };
  for (const s of scrapes) {
    const snapshotId = randomUUID();
    out.snapshotRows.push({
      snapshot_id: snapshotId,
      event_id: s.event_id,
      source: 'simulated',
      job_id: 'job-alerts',
      scraped_at: chDateTime(s.at),
      zones: s.zones.length,
      sections: 0,
      listings: 0,
      rejected_listings: 0,
      outlier_listings: 0,
      kafka_partition: 0,
      kafka_offset: 0,
    });
    for (const z of s.zones) {
      const sections = [...new Set(z.listings.map((l) => l.section))];
      const m = metricsOf(z.listings);
      out.records.push({
        event_id: s.event_id,
        snapshot_id: snapshotId,
        scraped_at: s.at,
        zone_id: z.zone_id,
        zone: z.zone,
        sections: sections.length,
        days_to_event: null,
        ...m,
        available: m.total_tickets > 0,
        outlier_listings: 0,
        rejected_listings: 0,
      });
      for (const section of sections) {
        const sm = metricsOf(z.listings.filter((l) => l.section === section));
        out.sectionRows.push({
          event_id: s.event_id,
          scraped_at: chDateTime(s.at),
          snapshot_id: snapshotId,
          source: 'simulated',
          job_id: 'job-alerts',
          zone_id: z.zone_id,
          zone: z.zone,
          section,
          days_to_event: null,
          ...sm,
          sum_price_cents: 0,
          priced_listings: sm.total_listings,
          available: sm.total_tickets > 0,
          outlier_listings: 0,
          rejected_listings: 0,
          kafka_partition: 0,
          kafka_offset: 0,
        });
      }
    }
  }
  return out;
}

export async function publishMetrics(producer: AvroProducer, records: ZoneMetricsRecord[]): Promise<void> {
  await producer.send(
    'zoneMetrics',
    records.map((value) => ({ key: value.event_id, value })),
  );
}

/** What the metrics consumer would have written of these scrapes for the section reader. */
export async function writeSections(store: Store, computed: Computed): Promise<void> {
  await store.insert('snapshots', computed.snapshotRows);
  await store.insert('section_snapshots', computed.sectionRows);
}
