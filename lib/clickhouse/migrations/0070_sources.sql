-- Several marketplaces side by side (issue 16; docs/tables.md#sources, docs/metrics.md#all-sources).
-- Rows now say which source they come from, rollups are kept per source, and an event's zones
-- across all its sources (computed from the listings, cross-site duplicates counted once in the
-- inventory) have their own snapshot table, which now feeds the existing rollups. Single-source
-- data already stored stays what it was: an event on one source is the same on "all sources".

-- The catalog: every source of an event with its id there (empty in rows written before: the
-- event is then on `source` only).
ALTER TABLE events ADD COLUMN IF NOT EXISTS sources Map(LowCardinality(String), String);

-- ListingSnapshot's Listing gained `seats` (Gametime discloses them): the landing tables' nested
-- listing tuple follows the current schema (older writers are projected onto it, seats empty).
ALTER TABLE snapshot_landing MODIFY COLUMN zones Array(Tuple(
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
        splits Array(Int32),
        seats Array(String)))))));
ALTER TABLE snapshot_enriched MODIFY COLUMN zones Array(Tuple(
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
        splits Array(Int32),
        seats Array(String)))))));
-- The all-sources settings travel with the inserted rows, like the metric settings.
ALTER TABLE snapshot_landing ADD COLUMN IF NOT EXISTS dedupe_tolerance Float64 DEFAULT 0.02;
ALTER TABLE snapshot_landing ADD COLUMN IF NOT EXISTS peer_max_age_seconds UInt32 DEFAULT 3600;
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS dedupe_tolerance Float64 DEFAULT 0.02;
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS peer_max_age_seconds UInt32 DEFAULT 3600;

-- Which source each row comes from; '' in rows written before (their event had one source: the
-- catalog's `source`).
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER event_id;
ALTER TABLE section_snapshots ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER event_id;
ALTER TABLE zone_snapshots ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER event_id;
ALTER TABLE raw_listings ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER event_id;
-- Seat numbers as the source gave them, and the other sources whose latest snapshot carries the
-- same inventory (cross-site dedupe, docs/metrics.md#cross-site-dedupe).
ALTER TABLE raw_listings ADD COLUMN IF NOT EXISTS seats Array(String) CODEC(ZSTD(3));
ALTER TABLE raw_listings ADD COLUMN IF NOT EXISTS also_on Array(LowCardinality(String));

-- Internal: each snapshot's listings, one row per snapshot, with each listing's outlier verdict.
-- When another source of the event is scraped, its all-sources rows combine its listings with the
-- latest snapshot of each other source found here (at most TWS_ALL_SOURCES_MAX_AGE_SECONDS, a day,
-- older). Kept 8 days: a range replayed while Kafka still holds it (7 days) combines what its
-- first attempt combined.
CREATE TABLE IF NOT EXISTS recent_listings (
  event_id String,
  source LowCardinality(String),
  scraped_at DateTime64(3, 'UTC'),
  snapshot_id String,
  kafka_partition UInt32,
  kafka_offset UInt64,
  zones Array(Tuple(zone_id String, zone String, sections Array(String))),
  listings Array(Tuple(
    zone_id String,
    zone String,
    section String,
    row String,
    seats Array(String),
    quantity Int32,
    base_price_cents Nullable(Int64),
    all_in_price_cents Nullable(Int64),
    splits Array(Int32),
    outlier Bool))
) ENGINE = MergeTree
PARTITION BY toDate(scraped_at)
ORDER BY (event_id, scraped_at, source)
TTL toDateTime(scraped_at) + INTERVAL 8 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1;

-- Internal: Null tables between the all-sources views (consumers/snapshots/all-sources-views.ts). Each
-- landed snapshot with the listings of all sources as of it (its own first, then the latest
-- snapshot of each other source), then with their cross-site links.
CREATE TABLE IF NOT EXISTS snapshot_all_sources AS snapshot_enriched ENGINE = Null;
ALTER TABLE snapshot_all_sources ADD COLUMN IF NOT EXISTS union_sources Array(String);
ALTER TABLE snapshot_all_sources ADD COLUMN IF NOT EXISTS union_snapshot_ids Array(String);
ALTER TABLE snapshot_all_sources ADD COLUMN IF NOT EXISTS union_zones Array(Tuple(source String, zone_id String, zone String, sections Array(String)));
ALTER TABLE snapshot_all_sources ADD COLUMN IF NOT EXISTS union_listings Array(Tuple(
    source String,
    zone_id String,
    zone String,
    section String,
    row String,
    seats Array(String),
    quantity Int32,
    base_price_cents Nullable(Int64),
    all_in_price_cents Nullable(Int64),
    splits Array(Int32),
    outlier Bool));
ALTER TABLE snapshot_all_sources ADD COLUMN IF NOT EXISTS own_listings UInt32;
CREATE TABLE IF NOT EXISTS snapshot_all_sources_linked AS snapshot_all_sources ENGINE = Null;
ALTER TABLE snapshot_all_sources_linked ADD COLUMN IF NOT EXISTS union_duplicates Array(UInt32);
ALTER TABLE snapshot_all_sources_linked ADD COLUMN IF NOT EXISTS own_also_on Array(Array(String));

-- One row per zone (by name) per snapshot over ALL the event's sources: this snapshot's listings and
-- the latest snapshot of each other source (TWS_ALL_SOURCES_MAX_AGE_SECONDS). Prices over every
-- listing; tickets and listings count cross-site duplicates once (duplicate_listings left out).
CREATE TABLE IF NOT EXISTS zone_snapshots_all_sources (
  event_id String,
  scraped_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  snapshot_id String,
  job_id String,
  source LowCardinality(String),
  sources Array(LowCardinality(String)),
  snapshot_ids Array(String),
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
  duplicate_listings UInt32,
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(scraped_at)
ORDER BY (event_id, zone, scraped_at)
TTL toDateTime(scraped_at) + INTERVAL 120 DAY TO VOLUME 'archive'
SETTINGS storage_policy = 'tws_tiered', non_replicated_deduplication_window = 1000;

-- The existing rollups are now over all the event's sources: fed from zone_snapshots_all_sources (for an
-- event on one source, the same rows zone_snapshots had), so a second source never mixes in as a
-- second series of the same zone.
DROP VIEW IF EXISTS zone_rollups_hourly_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS zone_rollups_hourly_mv TO zone_rollups_hourly AS
SELECT
  event_id,
  zone,
  toStartOfHour(scraped_at) AS hour,
  min(lowest_price_cents) AS min_price_cents,
  min(lowest_base_price_cents) AS min_base_price_cents,
  max(highest_price_cents) AS max_price_cents,
  sum(sum_price_cents) AS sum_price_cents,
  sum(toUInt64(priced_listings)) AS priced_listings,
  min(lowest_price_2_cents) AS min_price_2_cents,
  min(lowest_price_4_cents) AS min_price_4_cents,
  argMinStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS open_price_cents,
  argMaxStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS close_price_cents,
  argMaxState(total_tickets, scraped_at) AS tickets_last,
  sum(toUInt64(total_tickets)) AS tickets_sum,
  max(total_tickets) AS tickets_peak,
  argMaxState(total_listings, scraped_at) AS listings_last,
  sum(toUInt64(total_listings)) AS listings_sum,
  max(total_listings) AS listings_peak,
  sum(toUInt64(outlier_listings)) AS outlier_listings,
  toUInt64(count()) AS scrapes,
  min(scraped_at) AS first_scraped_at,
  max(scraped_at) AS last_scraped_at
FROM zone_snapshots_all_sources
GROUP BY event_id, zone, hour;

DROP VIEW IF EXISTS zone_rollups_daily_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS zone_rollups_daily_mv TO zone_rollups_daily AS
SELECT
  event_id,
  zone,
  toDate(scraped_at) AS day,
  min(lowest_price_cents) AS min_price_cents,
  min(lowest_base_price_cents) AS min_base_price_cents,
  max(highest_price_cents) AS max_price_cents,
  sum(sum_price_cents) AS sum_price_cents,
  sum(toUInt64(priced_listings)) AS priced_listings,
  min(lowest_price_2_cents) AS min_price_2_cents,
  min(lowest_price_4_cents) AS min_price_4_cents,
  argMinStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS open_price_cents,
  argMaxStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS close_price_cents,
  argMaxState(total_tickets, scraped_at) AS tickets_last,
  sum(toUInt64(total_tickets)) AS tickets_sum,
  max(total_tickets) AS tickets_peak,
  argMaxState(total_listings, scraped_at) AS listings_last,
  sum(toUInt64(total_listings)) AS listings_sum,
  max(total_listings) AS listings_peak,
  sum(toUInt64(outlier_listings)) AS outlier_listings,
  toUInt64(count()) AS scrapes,
  min(scraped_at) AS first_scraped_at,
  max(scraped_at) AS last_scraped_at
FROM zone_snapshots_all_sources
GROUP BY event_id, zone, day;

-- Per source: the same rollups, one series per (event, source, zone), from zone_snapshots.
CREATE TABLE IF NOT EXISTS zone_source_rollups_hourly (
  event_id String,
  source LowCardinality(String),
  zone LowCardinality(String),
  hour DateTime('UTC'),
  min_price_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  min_base_price_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  max_price_cents SimpleAggregateFunction(max, Nullable(UInt32)),
  sum_price_cents SimpleAggregateFunction(sum, UInt64),
  priced_listings SimpleAggregateFunction(sum, UInt64),
  min_price_2_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  min_price_4_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  open_price_cents AggregateFunction(argMin, UInt32, DateTime64(3, 'UTC')),
  close_price_cents AggregateFunction(argMax, UInt32, DateTime64(3, 'UTC')),
  tickets_last AggregateFunction(argMax, UInt32, DateTime64(3, 'UTC')),
  tickets_sum SimpleAggregateFunction(sum, UInt64),
  tickets_peak SimpleAggregateFunction(max, UInt32),
  listings_last AggregateFunction(argMax, UInt32, DateTime64(3, 'UTC')),
  listings_sum SimpleAggregateFunction(sum, UInt64),
  listings_peak SimpleAggregateFunction(max, UInt32),
  outlier_listings SimpleAggregateFunction(sum, UInt64),
  scrapes SimpleAggregateFunction(sum, UInt64),
  first_scraped_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_scraped_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (event_id, zone, source, hour)
TTL hour + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS zone_source_rollups_hourly_mv TO zone_source_rollups_hourly AS
SELECT
  event_id,
  source,
  zone,
  toStartOfHour(scraped_at) AS hour,
  min(lowest_price_cents) AS min_price_cents,
  min(lowest_base_price_cents) AS min_base_price_cents,
  max(highest_price_cents) AS max_price_cents,
  sum(sum_price_cents) AS sum_price_cents,
  sum(toUInt64(priced_listings)) AS priced_listings,
  min(lowest_price_2_cents) AS min_price_2_cents,
  min(lowest_price_4_cents) AS min_price_4_cents,
  argMinStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS open_price_cents,
  argMaxStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS close_price_cents,
  argMaxState(total_tickets, scraped_at) AS tickets_last,
  sum(toUInt64(total_tickets)) AS tickets_sum,
  max(total_tickets) AS tickets_peak,
  argMaxState(total_listings, scraped_at) AS listings_last,
  sum(toUInt64(total_listings)) AS listings_sum,
  max(total_listings) AS listings_peak,
  sum(toUInt64(outlier_listings)) AS outlier_listings,
  toUInt64(count()) AS scrapes,
  min(scraped_at) AS first_scraped_at,
  max(scraped_at) AS last_scraped_at
FROM zone_snapshots
GROUP BY event_id, source, zone, hour;

CREATE VIEW IF NOT EXISTS zone_source_hourly AS
SELECT
  event_id,
  source,
  zone,
  hour,
  min_price_cents,
  min_base_price_cents,
  max_price_cents,
  if(priced_listings_ = 0, NULL, sum_price_cents_ / priced_listings_) AS avg_price_cents,
  min_price_2_cents,
  min_price_4_cents,
  if(isNull(min_price_cents), NULL, open_) AS open_price_cents,
  if(isNull(min_price_cents), NULL, close_) AS close_price_cents,
  tickets_last,
  tickets_sum_ / scrapes AS tickets_avg,
  tickets_peak,
  listings_last,
  listings_sum_ / scrapes AS listings_avg,
  listings_peak,
  outlier_listings,
  scrapes,
  first_scraped_at,
  last_scraped_at
FROM (
  SELECT
    event_id, source, zone, hour,
    min(r.min_price_cents) AS min_price_cents,
    min(r.min_base_price_cents) AS min_base_price_cents,
    max(r.max_price_cents) AS max_price_cents,
    sum(r.sum_price_cents) AS sum_price_cents_,
    sum(r.priced_listings) AS priced_listings_,
    min(r.min_price_2_cents) AS min_price_2_cents,
    min(r.min_price_4_cents) AS min_price_4_cents,
    argMinMerge(r.open_price_cents) AS open_,
    argMaxMerge(r.close_price_cents) AS close_,
    argMaxMerge(r.tickets_last) AS tickets_last,
    sum(r.tickets_sum) AS tickets_sum_,
    max(r.tickets_peak) AS tickets_peak,
    argMaxMerge(r.listings_last) AS listings_last,
    sum(r.listings_sum) AS listings_sum_,
    max(r.listings_peak) AS listings_peak,
    sum(r.outlier_listings) AS outlier_listings,
    sum(r.scrapes) AS scrapes,
    min(r.first_scraped_at) AS first_scraped_at,
    max(r.last_scraped_at) AS last_scraped_at
  FROM zone_source_rollups_hourly AS r
  GROUP BY event_id, source, zone, hour
);

CREATE TABLE IF NOT EXISTS zone_source_rollups_daily (
  event_id String,
  source LowCardinality(String),
  zone LowCardinality(String),
  day Date,
  min_price_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  min_base_price_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  max_price_cents SimpleAggregateFunction(max, Nullable(UInt32)),
  sum_price_cents SimpleAggregateFunction(sum, UInt64),
  priced_listings SimpleAggregateFunction(sum, UInt64),
  min_price_2_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  min_price_4_cents SimpleAggregateFunction(min, Nullable(UInt32)),
  open_price_cents AggregateFunction(argMin, UInt32, DateTime64(3, 'UTC')),
  close_price_cents AggregateFunction(argMax, UInt32, DateTime64(3, 'UTC')),
  tickets_last AggregateFunction(argMax, UInt32, DateTime64(3, 'UTC')),
  tickets_sum SimpleAggregateFunction(sum, UInt64),
  tickets_peak SimpleAggregateFunction(max, UInt32),
  listings_last AggregateFunction(argMax, UInt32, DateTime64(3, 'UTC')),
  listings_sum SimpleAggregateFunction(sum, UInt64),
  listings_peak SimpleAggregateFunction(max, UInt32),
  outlier_listings SimpleAggregateFunction(sum, UInt64),
  scrapes SimpleAggregateFunction(sum, UInt64),
  first_scraped_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_scraped_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(day)
ORDER BY (event_id, zone, source, day)
TTL toDateTime(day) + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS zone_source_rollups_daily_mv TO zone_source_rollups_daily AS
SELECT
  event_id,
  source,
  zone,
  toDate(scraped_at) AS day,
  min(lowest_price_cents) AS min_price_cents,
  min(lowest_base_price_cents) AS min_base_price_cents,
  max(highest_price_cents) AS max_price_cents,
  sum(sum_price_cents) AS sum_price_cents,
  sum(toUInt64(priced_listings)) AS priced_listings,
  min(lowest_price_2_cents) AS min_price_2_cents,
  min(lowest_price_4_cents) AS min_price_4_cents,
  argMinStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS open_price_cents,
  argMaxStateIf(assumeNotNull(lowest_price_cents), scraped_at, isNotNull(lowest_price_cents)) AS close_price_cents,
  argMaxState(total_tickets, scraped_at) AS tickets_last,
  sum(toUInt64(total_tickets)) AS tickets_sum,
  max(total_tickets) AS tickets_peak,
  argMaxState(total_listings, scraped_at) AS listings_last,
  sum(toUInt64(total_listings)) AS listings_sum,
  max(total_listings) AS listings_peak,
  sum(toUInt64(outlier_listings)) AS outlier_listings,
  toUInt64(count()) AS scrapes,
  min(scraped_at) AS first_scraped_at,
  max(scraped_at) AS last_scraped_at
FROM zone_snapshots
GROUP BY event_id, source, zone, day;

CREATE VIEW IF NOT EXISTS zone_source_daily AS
SELECT
  event_id,
  source,
  zone,
  day,
  min_price_cents,
  min_base_price_cents,
  max_price_cents,
  if(priced_listings_ = 0, NULL, sum_price_cents_ / priced_listings_) AS avg_price_cents,
  min_price_2_cents,
  min_price_4_cents,
  if(isNull(min_price_cents), NULL, open_) AS open_price_cents,
  if(isNull(min_price_cents), NULL, close_) AS close_price_cents,
  tickets_last,
  tickets_sum_ / scrapes AS tickets_avg,
  tickets_peak,
  listings_last,
  listings_sum_ / scrapes AS listings_avg,
  listings_peak,
  outlier_listings,
  scrapes,
  first_scraped_at,
  last_scraped_at
FROM (
  SELECT
    event_id, source, zone, day,
    min(r.min_price_cents) AS min_price_cents,
    min(r.min_base_price_cents) AS min_base_price_cents,
    max(r.max_price_cents) AS max_price_cents,
    sum(r.sum_price_cents) AS sum_price_cents_,
    sum(r.priced_listings) AS priced_listings_,
    min(r.min_price_2_cents) AS min_price_2_cents,
    min(r.min_price_4_cents) AS min_price_4_cents,
    argMinMerge(r.open_price_cents) AS open_,
    argMaxMerge(r.close_price_cents) AS close_,
    argMaxMerge(r.tickets_last) AS tickets_last,
    sum(r.tickets_sum) AS tickets_sum_,
    max(r.tickets_peak) AS tickets_peak,
    argMaxMerge(r.listings_last) AS listings_last,
    sum(r.listings_sum) AS listings_sum_,
    max(r.listings_peak) AS listings_peak,
    sum(r.outlier_listings) AS outlier_listings,
    sum(r.scrapes) AS scrapes,
    min(r.first_scraped_at) AS first_scraped_at,
    max(r.last_scraped_at) AS last_scraped_at
  FROM zone_source_rollups_daily AS r
  GROUP BY event_id, source, zone, day
);
