// Pure mapping from one snapshot's computed metrics to the rows of the ClickHouse tables and the
// records of the zone-metrics topic. Column names are the public contract of docs/tables.md.
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { ListingSnapshot, PriceMetrics } from '../../lib/model.ts';
import type { SnapshotMetrics } from '../metrics/compute.ts';

export interface RowContext {
  snapshot: ListingSnapshot;
  metrics: SnapshotMetrics;
  partition: number;
  offset: bigint;
}

const priceColumns = (m: PriceMetrics) => ({
  lowest_price_cents: m.lowest_price_cents,
  lowest_base_price_cents: m.lowest_base_price_cents,
  average_price_cents: m.average_price_cents,
  median_price_cents: m.median_price_cents,
  highest_price_cents: m.highest_price_cents,
  lowest_price_2_cents: m.lowest_price_2_cents,
  lowest_price_4_cents: m.lowest_price_4_cents,
  sum_price_cents: m.sum_price_cents,
  priced_listings: m.priced_listings,
  total_tickets: m.total_tickets,
  total_listings: m.total_listings,
  available: m.available,
  outlier_listings: m.outlier_listings,
  rejected_listings: m.rejected_listings,
});

const common = ({ snapshot, metrics, partition, offset }: RowContext) => ({
  event_id: snapshot.event_id,
  scraped_at: chDateTime(snapshot.scraped_at),
  snapshot_id: snapshot.snapshot_id,
  job_id: snapshot.job_id,
  days_to_event: metrics.daysToEvent,
  kafka_partition: partition,
  kafka_offset: offset.toString(),
});

export function snapshotRow(ctx: RowContext) {
  const { snapshot, metrics, partition, offset } = ctx;
  const producerRejects = snapshot.rejected.reduce((n, r) => n + r.count, 0);
  return {
    snapshot_id: snapshot.snapshot_id,
    event_id: snapshot.event_id,
    job_id: snapshot.job_id,
    scraped_at: chDateTime(snapshot.scraped_at),
    zones: snapshot.zones.length,
    sections: metrics.sections.length,
    listings: metrics.listings.length,
    rejected_listings: metrics.rejected + producerRejects,
    outlier_listings: metrics.outliers,
    kafka_partition: partition,
    kafka_offset: offset.toString(),
  };
}

export const sectionRows = (ctx: RowContext) =>
  ctx.metrics.sections.map((s) => ({
    ...common(ctx),
    zone_id: s.zone_id,
    zone: s.zone,
    section: s.section,
    ...priceColumns(s),
  }));

export const zoneRows = (ctx: RowContext) =>
  ctx.metrics.zones.map((z) => ({
    ...common(ctx),
    zone_id: z.zone_id,
    zone: z.zone,
    sections: z.sections,
    ...priceColumns(z),
  }));

/** Column order of rawListingRows (JSONCompactEachRow: the biggest table, written as arrays). */
export const RAW_LISTING_COLUMNS = [
  'event_id',
  'scraped_at',
  'snapshot_id',
  'zone_id',
  'zone',
  'section',
  'row',
  'listing_id',
  'quantity',
  'base_price_cents',
  'all_in_price_cents',
  'splits',
  'outlier',
  'rejected_reason',
] as const;

export function rawListingRows({ snapshot, metrics }: RowContext): unknown[][] {
  const scrapedAt = chDateTime(snapshot.scraped_at);
  const out: unknown[][] = new Array(metrics.listings.length);
  for (let i = 0; i < metrics.listings.length; i++) {
    const v = metrics.listings[i]!;
    const l = v.listing;
    out[i] = [
      snapshot.event_id,
      scrapedAt,
      snapshot.snapshot_id,
      v.zone_id,
      v.zone,
      v.section,
      l.row,
      l.listing_id,
      Math.trunc(Math.max(0, Math.min(l.quantity, 4_294_967_295))),
      clampCents(l.base_price_cents),
      clampCents(l.all_in_price_cents),
      l.splits === null ? [] : l.splits.every(isCount) ? l.splits : l.splits.filter(isCount),
      v.outlier,
      v.rejectedReason,
    ];
  }
  return out;
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0;

/** Raw prices may be negative or absurd (that is why they were rejected); the column is UInt32. */
const clampCents = (c: number | null): number | null => (c === null || c < 0 || c > 4_294_967_295 ? null : c);

export const zoneMetricRecords = ({ snapshot, metrics }: RowContext) =>
  metrics.zones.map((z) => ({
    event_id: snapshot.event_id,
    snapshot_id: snapshot.snapshot_id,
    scraped_at: snapshot.scraped_at,
    zone_id: z.zone_id,
    zone: z.zone,
    sections: z.sections,
    days_to_event: metrics.daysToEvent,
    lowest_price_cents: z.lowest_price_cents,
    lowest_base_price_cents: z.lowest_base_price_cents,
    average_price_cents: z.average_price_cents,
    median_price_cents: z.median_price_cents,
    highest_price_cents: z.highest_price_cents,
    lowest_price_2_cents: z.lowest_price_2_cents,
    lowest_price_4_cents: z.lowest_price_4_cents,
    total_tickets: z.total_tickets,
    total_listings: z.total_listings,
    available: z.available,
    outlier_listings: z.outlier_listings,
    rejected_listings: z.rejected_listings,
  }));
