-- Price alerts (docs/alerts.md). Rules mirror the compacted topic tws.alerts.rules.v1; the alerter
-- keeps each series' evaluation state, writes every firing once (an outbox its dispatcher delivers
-- from) and the final outcome of each delivery. Target URLs and secrets are sealed (never in clear).

-- Latest version per rule; a removed rule keeps a last row with deleted = true.
CREATE TABLE IF NOT EXISTS alert_rules (
  rule_id String,
  version UInt64,
  name String,
  event_id String,
  zone Nullable(String),
  section Nullable(String),
  basis LowCardinality(String),
  group_size UInt8,
  condition LowCardinality(String),
  price_cents Nullable(Int64),
  drop_pct Nullable(Float64),
  window_seconds Nullable(Int64),
  tickets Nullable(Int32),
  min_new_listings Nullable(Int32),
  cooldown_seconds Int64,
  rearm_drop_pct Nullable(Float64),
  -- JSON array of {target_id, format, url_hint, signed, sealed}
  targets String,
  active Bool,
  deleted Bool,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
ORDER BY rule_id
SETTINGS non_replicated_deduplication_window = 1000;

-- Evaluation state per (rule, series): a series is a zone or a zone's section; source health uses
-- rule_id '~source' and the event id as series. version = the watermark (event time, ms), so the
-- latest evaluation wins; `state` is the evaluator's whole state as JSON.
CREATE TABLE IF NOT EXISTS alert_state (
  rule_id String,
  series String,
  version UInt64,
  rule_version UInt64,
  armed Bool,
  last_value Nullable(Int64),
  last_observed_at DateTime64(3, 'UTC'),
  last_fired_at Nullable(DateTime64(3, 'UTC')),
  state String,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (rule_id, series);

-- One row per firing (deterministic firing_id = the webhooks' Idempotency-Key). `targets` lists
-- '<rule_id>/<target_id>'; `payload` is the JSON webhook body (no secrets).
CREATE TABLE IF NOT EXISTS alert_firings (
  firing_id String,
  kind LowCardinality(String),
  rule_id String,
  rule_version UInt64,
  event_id String,
  zone String,
  zone_id String,
  section String,
  series String,
  observed_at DateTime64(3, 'UTC'),
  value Nullable(Int64),
  reference Nullable(Int64),
  message String,
  payload String,
  targets Array(String),
  source_topic String,
  kafka_partition UInt32,
  kafka_offset Int64,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(observed_at)
ORDER BY (event_id, observed_at, firing_id)
TTL toDateTime(observed_at) + INTERVAL 400 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- The final outcome of each (firing, target): delivered, dead_lettered (after the last retry or a
-- refusal) or cancelled (the rule was removed first).
CREATE TABLE IF NOT EXISTS alert_deliveries (
  firing_id String,
  target String,
  rule_id String,
  event_id String,
  status LowCardinality(String),
  attempts UInt16,
  http_status Nullable(UInt16),
  reason String,
  finished_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree
ORDER BY (firing_id, target)
TTL toDateTime(finished_at) + INTERVAL 400 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;
