-- Hourly and daily rollups per (event, zone), kept as mergeable partial aggregates.
-- Materialized views feed them from zone_snapshots, so every block the sink inserts (and only
-- once: the sink's dedup tokens apply to dependent views too) lands in its own event-time window,
-- late records included. Read them through the zone_hourly / zone_daily views, which merge.
-- Fixes from the seed: the seed SUMmed tickets over an hour (double counting repeated scrapes) and
-- averaged averages; here tickets are last / average / peak across scrapes, and the average price
-- is weighted by listings (sum of prices / number of priced listings).

CREATE TABLE IF NOT EXISTS zone_rollups_hourly (
  event_id String,
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
ORDER BY (event_id, zone, hour)
TTL hour + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

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
FROM zone_snapshots
GROUP BY event_id, zone, hour;

CREATE VIEW IF NOT EXISTS zone_hourly AS
SELECT
  event_id,
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
    event_id, zone, hour,
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
  FROM zone_rollups_hourly AS r
  GROUP BY event_id, zone, hour
);

CREATE TABLE IF NOT EXISTS zone_rollups_daily (
  event_id String,
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
ORDER BY (event_id, zone, day)
TTL toDateTime(day) + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

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
FROM zone_snapshots
GROUP BY event_id, zone, day;

CREATE VIEW IF NOT EXISTS zone_daily AS
SELECT
  event_id,
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
    event_id, zone, day,
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
  FROM zone_rollups_daily AS r
  GROUP BY event_id, zone, day
);
