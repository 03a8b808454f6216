-- Rows without a source (issue 16). zone_snapshots rows written before sources were recorded, or by
-- a writer that does not set one (an older consumer, a test fixture, the bench), have source = ''.
-- They stand for all sources of their event (it had one), so they keep feeding the all-sources
-- rollups, as before 0070, and stay out of the per-source ones. The consumer writes every row with
-- its source, and its all-sources rows to zone_snapshots_all_sources: the two feeds never overlap.
CREATE MATERIALIZED VIEW IF NOT EXISTS zone_rollups_hourly_unsourced_mv TO zone_rollups_hourly AS
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
WHERE source = ''
GROUP BY event_id, zone, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS zone_rollups_daily_unsourced_mv TO zone_rollups_daily AS
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
WHERE source = ''
GROUP BY event_id, zone, day;

-- The per-source rollups take only rows that say their source.
DROP VIEW IF EXISTS zone_source_rollups_hourly_mv;
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
WHERE source != ''
GROUP BY event_id, source, zone, hour;

DROP VIEW IF EXISTS zone_source_rollups_daily_mv;
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
WHERE source != ''
GROUP BY event_id, source, zone, day;
