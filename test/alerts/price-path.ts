// Simulated price paths for the alert tests: listings per scrape go through the metrics consumer's
// own maths (computeSnapshotMetrics: outliers, the seller-split rule for N seats together), and come
// out as the tws.metrics.zones.v1 records and section_snapshots rows that consumer would produce.
import { randomUUID } from 'node:crypto';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Listing, ListingSnapshot, ZoneMetricsRecord } from '../../lib/model.ts';
import { computeSnapshotMetrics } from '../../consumers/metrics/compute.ts';
import { TrailingMedians } from '../../consumers/metrics/outliers.ts';

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

export function snapshotOf(s: Scrape): ListingSnapshot {
  return {
    snapshot_id: randomUUID(),
    job_id: 'job-alerts',
    event_id: s.event_id,
    source: 'simulated',
    source_event_id: s.event_id,
    scraped_at: s.at,
    event_starts_at: null,
    zones: s.zones.map((z) => {
      const sections = [...new Set(z.listings.map((l) => l.section))];
      return {
        zone_id: z.zone_id,
        name: z.zone,
        sections: sections.map((name) => ({
          name,
          listings: z.listings.filter((l) => l.section === name).map(listing),
        })),
      };
    }),
    rejected: [],
  };
}

export interface Computed {
  records: ZoneMetricsRecord[];
  sectionRows: Record<string, unknown>[];
}

/** What the metrics consumer would publish and write for these scrapes (one medians state, in order). */
export function compute(scrapes: Scrape[]): Computed {
  const medians = new TrailingMedians();
  const out: Computed = { records: [], sectionRows: [] };
  for (const s of scrapes) {
    const snap = snapshotOf(s);
    const m = computeSnapshotMetrics(snap, { medians });
    for (const z of m.zones) {
      out.records.push({
        event_id: snap.event_id,
        snapshot_id: snap.snapshot_id,
        scraped_at: snap.scraped_at,
        zone_id: z.zone_id,
        zone: z.zone,
        sections: z.sections,
        lowest_price_cents: z.lowest_price_cents,
        lowest_base_price_cents: z.lowest_base_price_cents,
        lowest_price_2_cents: z.lowest_price_2_cents,
        lowest_price_4_cents: z.lowest_price_4_cents,
        total_tickets: z.total_tickets,
        total_listings: z.total_listings,
        days_to_event: null,
        average_price_cents: z.average_price_cents,
        median_price_cents: z.median_price_cents,
        highest_price_cents: z.highest_price_cents,
        available: z.available,
        outlier_listings: z.outlier_listings,
        rejected_listings: z.rejected_listings,
      });
    }
    for (const sec of m.sections) {
      out.sectionRows.push({
        event_id: snap.event_id,
        scraped_at: chDateTime(snap.scraped_at),
        snapshot_id: snap.snapshot_id,
        job_id: snap.job_id,
        days_to_event: null,
        kafka_partition: 0,
        kafka_offset: 0,
        ...sec,
      });
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

export const writeSections = (store: Store, rows: Record<string, unknown>[]) => store.insert('section_snapshots', rows);
