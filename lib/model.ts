// The data model shared by producers, consumers and the API. Field names follow the Avro schemas
// in schemas/ (the public contract) one to one. Money is integer US cents; times are epoch ms.

export interface Listing {
  listing_id: string;
  row: string;
  quantity: number;
  /** Price per ticket before fees, cents (hermes `p`). */
  base_price_cents: number | null;
  /** All-in price per ticket with fees, cents (hermes `aip`). */
  all_in_price_cents: number | null;
  /** Quantities the seller allows to buy (hermes `m`); null when the source gives none. */
  splits: number[] | null;
  /** Seat numbers (Gametime `seats`); null or absent when the source does not disclose them. */
  seats?: string[] | null;
}

export interface Section {
  name: string;
  listings: Listing[];
}

export interface Zone {
  zone_id: string;
  name: string;
  sections: Section[];
}

export interface RejectedCount {
  reason: string;
  count: number;
}

/** Topic listings.snapshots.v1: every zone, section and listing of one event at one scrape. */
export interface ListingSnapshot {
  snapshot_id: string;
  job_id: string;
  event_id: string;
  source: string;
  source_event_id: string;
  scraped_at: number;
  event_starts_at: number | null;
  zones: Zone[];
  rejected: RejectedCount[];
  /** Listings the source announced (hermes global[0].listingCount); null or absent when it did not say. */
  expected_listings?: number | null;
}

/** One marketplace an event is listed on, and the event's id there. */
export interface EventSourceRef {
  source: string;
  source_event_id: string;
}

/** Topic catalog.events.v1 (compacted) and table `events`. */
export interface CatalogEvent {
  event_id: string;
  source: string;
  source_event_id: string;
  name: string;
  venue: string;
  timezone: string;
  starts_at: number;
  capacity: number | null;
  active: boolean;
  created_at: number;
  updated_at: number;
  version: number;
  /** Every source of the event, the primary (`source`) first; absent or empty: `source` only. */
  sources?: EventSourceRef[];
}

export interface ScrapeRequest {
  job_id: string;
  event_id: string;
  source: string;
  source_event_id: string;
  event_starts_at: number | null;
  requested_at: number;
  deadline_at: number;
}

export type ScrapeErrorKind =
  'blocked' | 'http' | 'rate_limited' | 'timeout' | 'network' | 'parse' | 'publish' | 'expired';

export interface ScrapeOutcome {
  job_id: string;
  event_id: string;
  worker_id: string;
  status: 'ok' | 'failed' | 'expired';
  error_kind: string | null;
  attempts: number;
  retries: number;
  snapshot_id: string | null;
  listings: number;
  rejected: number;
  finished_at: number;
  /** The source scraped; null or absent in records written before it existed. */
  source?: string | null;
}

/** The seed's scraper_logs row: one failed event scrape. */
export interface ScrapeLog {
  logged_at: number;
  event_id: string;
  job_id: string;
  level: 'ERROR' | 'WARN';
  kind: string;
  message: string;
  stack_trace: string;
  attempts: number;
  http_status: number | null;
}

export type JobStatus = 'running' | 'success' | 'partial' | 'failed' | 'cancelled';

export interface ScrapeJob {
  job_id: string;
  status: JobStatus;
  started_at: number;
  finished_at: number | null;
  events_planned: number;
  events_succeeded: number;
  events_failed: number;
  /** Events whose scrape a stop cancelled (not failures). */
  events_cancelled: number;
  snapshots: number;
  listings: number;
  retries: number;
  error: string | null;
}

/** Price and inventory metrics of one group of listings (a section, or a zone across sections). */
export interface PriceMetrics {
  /** Get-in price: lowest all-in price per ticket; flagged outliers left out by default. */
  lowest_price_cents: number | null;
  lowest_base_price_cents: number | null;
  average_price_cents: number | null;
  median_price_cents: number | null;
  highest_price_cents: number | null;
  /** Lowest total all-in price for 2 (4) seats bought together from one listing. */
  lowest_price_2_cents: number | null;
  lowest_price_4_cents: number | null;
  /** Sum of all-in prices per ticket over `priced_listings`, for exact weighted averages. */
  sum_price_cents: number;
  priced_listings: number;
  total_tickets: number;
  total_listings: number;
  available: boolean;
  outlier_listings: number;
  rejected_listings: number;
}

export interface SectionMetrics extends PriceMetrics {
  zone_id: string;
  zone: string;
  section: string;
}

export interface ZoneMetrics extends PriceMetrics {
  zone_id: string;
  zone: string;
  sections: number;
}

export type Granularity = 'hourly' | 'daily';

/** Topic metrics.zones.v1: one zone's metrics at one scrape (schemas/ZoneMetrics.avsc). */
export interface ZoneMetricsRecord {
  event_id: string;
  snapshot_id: string;
  scraped_at: number;
  zone_id: string;
  zone: string;
  sections: number;
  days_to_event: number | null;
  lowest_price_cents: number | null;
  lowest_base_price_cents: number | null;
  average_price_cents: number | null;
  median_price_cents: number | null;
  highest_price_cents: number | null;
  lowest_price_2_cents: number | null;
  lowest_price_4_cents: number | null;
  total_tickets: number;
  total_listings: number;
  available: boolean;
  outlier_listings: number;
  rejected_listings: number;
}

/** Topic rollups.zones.v1: a closed window's rollup, and its revisions (schemas/ZoneRollup.avsc). */
export interface ZoneRollupRecord {
  granularity: Granularity;
  event_id: string;
  zone: string;
  window_start: number;
  window_end: number;
  revision: number;
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
  closed_at: number;
}

export type ListingChangeKind = 'initial' | 'new' | 'price_change' | 'qty_drop' | 'qty_rise' | 'removed' | 'returned';

/** Topic listings.changes.v1 and table `listing_changes` (schemas/ListingChange.avsc). */
export interface ListingChangeRecord {
  change_id: string;
  event_id: string;
  source: string;
  listing_id: string;
  kind: ListingChangeKind;
  changed_at: number;
  previous_at: number | null;
  snapshot_id: string;
  previous_snapshot_id: string;
  zone_id: string;
  zone: string;
  section: string;
  row: string;
  quantity_before: number;
  quantity: number;
  price_before_cents: number | null;
  price_cents: number | null;
  direction: 'down' | 'up' | null;
  tickets_sold: number;
  sale_price_cents: number | null;
  sale_at: number;
  removed_at: number | null;
  listed_at: number;
  excluded_reason: string;
  days_to_event: number | null;
}
