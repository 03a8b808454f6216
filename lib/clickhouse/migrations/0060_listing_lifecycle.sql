-- Listing lifecycle (docs/metrics.md#listing-lifecycle-and-inferred-sales): each complete snapshot of
-- an (event, source) is compared with the previous complete one, listing by listing, in ClickHouse.
-- The views are rendered by code and kept equal to it at start-up (consumers/lifecycle/views.ts):
--   snapshot_landing -> lifecycle_snapshots        (every snapshot: diffed, or why not)
--   snapshot_landing -> listing_diff (Null)         (per listing touched: its changes, its state)
--   listing_diff     -> listing_changes, listing_state

-- What the lifecycle reads from a snapshot besides its listings: the listing count the source
-- announced (hermes global[0].listingCount; ListingSnapshot.expected_listings) and the rule
-- settings, which travel with the inserted rows like the metric settings.
ALTER TABLE snapshot_landing ADD COLUMN IF NOT EXISTS expected_listings Nullable(Int32) AFTER rejected;
ALTER TABLE snapshot_landing ADD COLUMN IF NOT EXISTS relist_window_hours UInt32 DEFAULT 48;
ALTER TABLE snapshot_landing ADD COLUMN IF NOT EXISTS event_end_cutoff_minutes UInt32 DEFAULT 120;
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS expected_listings Nullable(Int32) AFTER rejected;
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS relist_window_hours UInt32 DEFAULT 48;
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS event_end_cutoff_minutes UInt32 DEFAULT 120;

-- One row per consumed snapshot of the lifecycle: whether it was compared (diffed) and with which
-- snapshot, or why not (incomplete: a parse reject or fewer listings than announced; stale: not
-- newer than the last compared one). The last diffed row of a key is where the next block starts.
CREATE TABLE IF NOT EXISTS lifecycle_snapshots (
  event_id String,
  source LowCardinality(String),
  snapshot_id String,
  scraped_at DateTime64(3, 'UTC'),
  listings UInt32,
  expected_listings Nullable(UInt32),
  rejected_items UInt32,
  diffed Bool,
  skip_reason LowCardinality(String),
  previous_snapshot_id String,
  previous_at Nullable(DateTime64(3, 'UTC')),
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(scraped_at)
ORDER BY (event_id, source, scraped_at)
TTL toDateTime(scraped_at) + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- Between the views: one row per listing the block changed, with its changes, its state after the
-- block and its state before it (`prev`). Null engine: it keeps nothing.
CREATE TABLE IF NOT EXISTS listing_diff (
  event_id String,
  source String,
  listing_id String,
  version UInt64,
  kafka_partition UInt32,
  kafka_offset UInt64,
  state Tuple(
    exists Bool, present Bool, quantity UInt32, price_cents Nullable(UInt32),
    zone_id String, zone String, section String, row String,
    listed_at DateTime64(3, 'UTC'), changed_at DateTime64(3, 'UTC'), sold UInt32),
  prev Tuple(
    exists Bool, present Bool, quantity UInt32, price_cents Nullable(UInt32),
    zone_id String, zone String, section String, row String,
    listed_at DateTime64(3, 'UTC'), changed_at DateTime64(3, 'UTC'), sold UInt32),
  changes Array(Tuple(
    kind String,
    changed_at DateTime64(3, 'UTC'),
    previous_at Nullable(DateTime64(3, 'UTC')),
    snapshot_id String,
    previous_snapshot_id String,
    zone_id String, zone String, section String, row String,
    quantity_before UInt32, quantity UInt32,
    price_before_cents Nullable(UInt32), price_cents Nullable(UInt32),
    tickets_sold Int32,
    sale_price_cents Nullable(UInt32),
    sale_at DateTime64(3, 'UTC'),
    removed_at Nullable(DateTime64(3, 'UTC')),
    listed_at DateTime64(3, 'UTC'),
    excluded_reason String,
    days_to_event Nullable(Int32),
    kafka_partition UInt32,
    kafka_offset UInt64))
) ENGINE = Null;

-- The last known state of every listing of an (event, source), compact: one row per listing after
-- merges. A row also keeps the state before the block that wrote it (`prev`), because a replayed
-- block must read the state its first attempt read, and merges may already have dropped the older
-- row (docs/exactly-once.md#the-same-rows-on-a-replay).
CREATE TABLE IF NOT EXISTS listing_state (
  event_id String,
  source LowCardinality(String),
  listing_id String,
  version UInt64,
  kafka_partition UInt32,
  kafka_offset UInt64,
  state Tuple(
    exists Bool, present Bool, quantity UInt32, price_cents Nullable(UInt32),
    zone_id String, zone String, section String, row String,
    listed_at DateTime64(3, 'UTC'), changed_at DateTime64(3, 'UTC'), sold UInt32),
  prev Tuple(
    exists Bool, present Bool, quantity UInt32, price_cents Nullable(UInt32),
    zone_id String, zone String, section String, row String,
    listed_at DateTime64(3, 'UTC'), changed_at DateTime64(3, 'UTC'), sold UInt32)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (event_id, source, listing_id)
TTL toDateTime(state.changed_at) + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- The public table: one row per listing change (docs/tables.md#listing_changes).
CREATE TABLE IF NOT EXISTS listing_changes (
  change_id String,
  event_id String,
  source LowCardinality(String),
  listing_id String,
  kind Enum8('initial' = 1, 'new' = 2, 'price_change' = 3, 'qty_drop' = 4, 'qty_rise' = 5, 'removed' = 6, 'returned' = 7),
  changed_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  previous_at Nullable(DateTime64(3, 'UTC')),
  snapshot_id String,
  previous_snapshot_id String,
  zone_id String,
  zone LowCardinality(String),
  section LowCardinality(String),
  row String,
  quantity_before UInt32,
  quantity UInt32,
  price_before_cents Nullable(UInt32),
  price_cents Nullable(UInt32),
  direction LowCardinality(String),
  tickets_sold Int32,
  sale_price_cents Nullable(UInt32),
  sale_at DateTime64(3, 'UTC'),
  removed_at Nullable(DateTime64(3, 'UTC')),
  listed_at DateTime64(3, 'UTC'),
  excluded_reason LowCardinality(String),
  days_to_event Nullable(Int32),
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(changed_at)
ORDER BY (event_id, source, changed_at, listing_id, kind)
TTL toDateTime(changed_at) + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;
