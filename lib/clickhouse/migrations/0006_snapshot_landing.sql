-- Engine-native ingest (docs/exactly-once.md, docs/architecture.md). The metrics consumer inserts
-- each offset range's raw Avro records here, decoded by ClickHouse (format AvroConfluent); the table
-- keeps nothing (Null engine) and only feeds the ingest views, which the consumer's start-up
-- maintains (consumers/snapshots/views.ts: snapshots, section_snapshots, zone_snapshots,
-- raw_listings). Columns: the ListingSnapshot record as the current schema reads it, the record's
-- Kafka position, and the consumer's metric settings for this insert.
CREATE TABLE IF NOT EXISTS snapshot_landing (
  snapshot_id String,
  job_id String,
  event_id String,
  source String,
  source_event_id String,
  scraped_at DateTime64(3, 'UTC'),
  event_starts_at Nullable(DateTime64(3, 'UTC')),
  zones Array(Tuple(
    zone_id String,
    name String,
    sections Array(Tuple(
      name String,
      listings Array(Tuple(
        listing_id String,
        row String,
        quantity Int32,
        base_price_cents Nullable(Int64),
        all_in_price_cents Nullable(Int64),
        splits Array(Int32))))))),
  rejected Array(Tuple(reason String, count Int32)),
  kafka_partition UInt32,
  kafka_offset UInt64,
  outlier_ratio Float64,
  exclude_outliers Bool,
  keep_raw_listings Bool
) ENGINE = Null;

-- Managed objects that start-up keeps equal to the code's definition (lib/clickhouse/views.ts).
CREATE TABLE IF NOT EXISTS managed_views (
  name String,
  checksum String,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY name;
