-- Which closed windows the metrics consumer has emitted to tws.rollups.zones.v1 (and at which
-- revision), so that a restarted consumer neither loses nor repeats a window's emission.
CREATE TABLE IF NOT EXISTS rollup_emissions (
  consumer_group String,
  granularity LowCardinality(String),
  event_id String,
  zone String,
  window_start DateTime('UTC'),
  revision UInt32,
  kafka_partition UInt32,
  emitted_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(revision)
ORDER BY (consumer_group, granularity, event_id, zone, window_start)
TTL toDateTime(window_start) + INTERVAL 400 DAY DELETE;
