-- Core tables of tws-analytics. Prices are integer US cents (all-in per ticket unless named
-- `base`), times are UTC. docs/tables.md is the reference for analysts; keep it in step.
-- The storage policy `tws_tiered` (volumes `hot` and `archive`) comes from the embedded engine's
-- config (lib/clickhouse/store.ts) or, on a server, from deploy/clickhouse/config.d/storage.xml.

-- The event catalog, materialized from the compacted topic tws.catalog.events.v1.
CREATE TABLE IF NOT EXISTS events (
  event_id String,
  source LowCardinality(String),
  source_event_id String,
  name String,
  venue String,
  timezone String,
  starts_at DateTime64(3, 'UTC'),
  capacity Nullable(UInt32),
  active Bool,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per consumed snapshot (event, scrape): lineage and scrape counts.
CREATE TABLE IF NOT EXISTS snapshots (
  snapshot_id String,
  event_id String,
  job_id String,
  scraped_at DateTime64(3, 'UTC'),
  zones UInt16,
  sections UInt32,
  listings UInt32,
  rejected_listings UInt32,
  outlier_listings UInt32,
  kafka_partition UInt32,
  kafka_offset UInt64,
  ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(scraped_at)
ORDER BY (event_id, scraped_at)
TTL toDateTime(scraped_at) + INTERVAL 120 DAY TO VOLUME 'archive'
SETTINGS storage_policy = 'tws_tiered', non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS section_snapshots (
  event_id String,
  scraped_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  snapshot_id String,
  job_id String,
  zone_id String,
  zone LowCardinality(String),
  section String,
  days_to_event Nullable(Int32),
  lowest_price_cents Nullable(UInt32),
  lowest_base_price_cents Nullable(UInt32),
  average_price_cents Nullable(Float64),
  median_price_cents Nullable(UInt32),
  highest_price_cents Nullable(UInt32),
  lowest_price_2_cents Nullable(UInt32),
  lowest_price_4_cents Nullable(UInt32),
  sum_price_cents UInt64,
  priced_listings UInt32,
  total_tickets UInt32,
  total_listings UInt32,
  available Bool,
  outlier_listings UInt32,
  rejected_listings UInt32,
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(scraped_at)
ORDER BY (event_id, zone, section, scraped_at)
TTL toDateTime(scraped_at) + INTERVAL 120 DAY TO VOLUME 'archive'
SETTINGS storage_policy = 'tws_tiered', non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS zone_snapshots (
  event_id String,
  scraped_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  snapshot_id String,
  job_id String,
  zone_id String,
  zone LowCardinality(String),
  sections UInt16,
  days_to_event Nullable(Int32),
  lowest_price_cents Nullable(UInt32),
  lowest_base_price_cents Nullable(UInt32),
  average_price_cents Nullable(Float64),
  median_price_cents Nullable(UInt32),
  highest_price_cents Nullable(UInt32),
  lowest_price_2_cents Nullable(UInt32),
  lowest_price_4_cents Nullable(UInt32),
  sum_price_cents UInt64,
  priced_listings UInt32,
  total_tickets UInt32,
  total_listings UInt32,
  available Bool,
  outlier_listings UInt32,
  rejected_listings UInt32,
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(scraped_at)
ORDER BY (event_id, zone, scraped_at)
TTL toDateTime(scraped_at) + INTERVAL 120 DAY TO VOLUME 'archive'
SETTINGS storage_policy = 'tws_tiered', non_replicated_deduplication_window = 1000;

-- Every listing as seen, compressed; optional (TWS_RAW_LISTINGS) and short-lived.
CREATE TABLE IF NOT EXISTS raw_listings (
  event_id String,
  scraped_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(3)),
  snapshot_id String CODEC(ZSTD(3)),
  zone_id String CODEC(ZSTD(3)),
  zone LowCardinality(String),
  section String CODEC(ZSTD(3)),
  row String CODEC(ZSTD(3)),
  listing_id String CODEC(ZSTD(3)),
  quantity UInt32 CODEC(T64, ZSTD(3)),
  base_price_cents Nullable(UInt32) CODEC(ZSTD(3)),
  all_in_price_cents Nullable(UInt32) CODEC(ZSTD(3)),
  splits Array(UInt32) CODEC(ZSTD(3)),
  outlier Bool,
  rejected_reason LowCardinality(String)
) ENGINE = MergeTree
PARTITION BY toDate(scraped_at)
ORDER BY (event_id, scraped_at, zone, section, listing_id)
TTL toDateTime(scraped_at) + INTERVAL 30 DAY DELETE
SETTINGS storage_policy = 'tws_tiered', non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS scrape_jobs (
  job_id String,
  status LowCardinality(String),
  started_at DateTime64(3, 'UTC'),
  finished_at Nullable(DateTime64(3, 'UTC')),
  events_planned UInt32,
  events_succeeded UInt32,
  events_failed UInt32,
  snapshots UInt32,
  listings UInt64,
  retries UInt32,
  error Nullable(String),
  version UInt8
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(started_at)
ORDER BY job_id
TTL toDateTime(started_at) + INTERVAL 400 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- The seed's scraper_logs: one row per failed event scrape.
CREATE TABLE IF NOT EXISTS scraper_logs (
  logged_at DateTime64(3, 'UTC'),
  event_id String,
  job_id String,
  level LowCardinality(String),
  kind LowCardinality(String),
  message String,
  stack_trace String,
  attempts UInt8,
  http_status Nullable(UInt16)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(logged_at)
ORDER BY (logged_at, event_id)
TTL toDateTime(logged_at) + INTERVAL 180 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- The sink's ledger of offset ranges per partition (see docs/exactly-once.md).
CREATE TABLE IF NOT EXISTS sink_offsets (
  consumer_group String,
  topic String,
  partition UInt32,
  first_offset Int64,
  last_offset Int64,
  phase Enum8('before' = 1, 'after' = 2),
  version UInt64,
  written_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (consumer_group, topic, partition);
