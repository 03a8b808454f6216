-- Market signals per (event, zone) and UTC hour / day (docs/metrics.md#market-signals), as mergeable
-- partial aggregates like the zone rollups (0002): materialized views fold every listing_changes
-- block (written exactly once by the lifecycle views) and every zone_snapshots block into them.
-- Read them through market_hourly / market_daily, which merge, finish the medians and add the
-- inventory at each window's start.
--
-- Event time: sale measures count in the window of `sale_at` (a `returned` change subtracts its
-- removal's sale there, with negative counts), everything else in the window of `changed_at`.
-- Medians over sales that can be cancelled later are kept as sumMap histograms (value -> count),
-- where a cancellation subtracts 1 and sumMap drops keys that sum to 0.

CREATE TABLE IF NOT EXISTS market_rollups_hourly (
  event_id String,
  zone LowCardinality(String),
  hour DateTime('UTC'),
  tickets_sold SimpleAggregateFunction(sum, Int64),
  revenue_cents SimpleAggregateFunction(sum, Int64),
  sales SimpleAggregateFunction(sum, Int64),
  sale_prices SimpleAggregateFunction(sumMap, Tuple(Array(UInt32), Array(Int64))),
  hours_on_market SimpleAggregateFunction(sumMap, Tuple(Array(UInt32), Array(Int64))),
  initial_tickets SimpleAggregateFunction(sum, Int64),
  tickets_delta SimpleAggregateFunction(sum, Int64),
  tickets_added SimpleAggregateFunction(sum, Int64),
  new_listings SimpleAggregateFunction(sum, Int64),
  new_tickets SimpleAggregateFunction(sum, Int64),
  returned_listings SimpleAggregateFunction(sum, Int64),
  removed_listings SimpleAggregateFunction(sum, Int64),
  price_cuts SimpleAggregateFunction(sum, Int64),
  price_raises SimpleAggregateFunction(sum, Int64),
  asking_price_cents AggregateFunction(quantileExact(0.5), UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (event_id, zone, hour)
TTL hour + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS market_rollups_daily (
  event_id String,
  zone LowCardinality(String),
  day Date,
  tickets_sold SimpleAggregateFunction(sum, Int64),
  revenue_cents SimpleAggregateFunction(sum, Int64),
  sales SimpleAggregateFunction(sum, Int64),
  sale_prices SimpleAggregateFunction(sumMap, Tuple(Array(UInt32), Array(Int64))),
  hours_on_market SimpleAggregateFunction(sumMap, Tuple(Array(UInt32), Array(Int64))),
  initial_tickets SimpleAggregateFunction(sum, Int64),
  tickets_delta SimpleAggregateFunction(sum, Int64),
  tickets_added SimpleAggregateFunction(sum, Int64),
  new_listings SimpleAggregateFunction(sum, Int64),
  new_tickets SimpleAggregateFunction(sum, Int64),
  returned_listings SimpleAggregateFunction(sum, Int64),
  removed_listings SimpleAggregateFunction(sum, Int64),
  price_cuts SimpleAggregateFunction(sum, Int64),
  price_raises SimpleAggregateFunction(sum, Int64),
  asking_price_cents AggregateFunction(quantileExact(0.5), UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (event_id, zone, day)
TTL toDateTime(day) + INTERVAL 730 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- Sales, in the window of sale_at: qty_drop and counted removals add, a returned change subtracts
-- what its removal added (sale_at is the removal's time). A sale without a valid price counts in
-- tickets and sales but in neither the revenue nor the realized-price histogram.
CREATE MATERIALIZED VIEW IF NOT EXISTS market_sales_hourly_mv TO market_rollups_hourly AS
SELECT
  c.event_id AS event_id,
  c.zone AS zone,
  toStartOfHour(c.sale_at) AS hour,
  sum(toInt64(c.tickets_sold)) AS tickets_sold,
  sum(toInt64(c.tickets_sold) * toInt64(ifNull(c.sale_price_cents, 0))) AS revenue_cents,
  sum(toInt64(sign(c.tickets_sold))) AS sales,
  sumMapIf(([assumeNotNull(c.sale_price_cents)], [toInt64(sign(c.tickets_sold))]), isNotNull(c.sale_price_cents)) AS sale_prices,
  sumMap(([toUInt32(intDiv(greatest(toUnixTimestamp64Milli(c.sale_at) - toUnixTimestamp64Milli(c.listed_at), 0), 3600000))],
    [toInt64(sign(c.tickets_sold))])) AS hours_on_market
FROM listing_changes AS c
WHERE c.tickets_sold != 0
GROUP BY event_id, zone, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_sales_daily_mv TO market_rollups_daily AS
SELECT
  c.event_id AS event_id,
  c.zone AS zone,
  toDate(c.sale_at) AS day,
  sum(toInt64(c.tickets_sold)) AS tickets_sold,
  sum(toInt64(c.tickets_sold) * toInt64(ifNull(c.sale_price_cents, 0))) AS revenue_cents,
  sum(toInt64(sign(c.tickets_sold))) AS sales,
  sumMapIf(([assumeNotNull(c.sale_price_cents)], [toInt64(sign(c.tickets_sold))]), isNotNull(c.sale_price_cents)) AS sale_prices,
  sumMap(([toUInt32(intDiv(greatest(toUnixTimestamp64Milli(c.sale_at) - toUnixTimestamp64Milli(c.listed_at), 0), 3600000))],
    [toInt64(sign(c.tickets_sold))])) AS hours_on_market
FROM listing_changes AS c
WHERE c.tickets_sold != 0
GROUP BY event_id, zone, day;

-- Inventory movements and listing activity, in the window of changed_at. A returned listing comes
-- back with the quantity its removal took off (a qty_drop or qty_rise row of the same step adjusts).
CREATE MATERIALIZED VIEW IF NOT EXISTS market_activity_hourly_mv TO market_rollups_hourly AS
SELECT
  event_id,
  zone,
  toStartOfHour(changed_at) AS hour,
  sumIf(toInt64(quantity), kind = 'initial') AS initial_tickets,
  sum(multiIf(kind IN ('initial', 'new'), toInt64(quantity), kind = 'returned', toInt64(quantity_before),
    kind IN ('qty_drop', 'qty_rise', 'removed'), toInt64(quantity) - quantity_before, 0)) AS tickets_delta,
  sum(multiIf(kind = 'new', toInt64(quantity), kind = 'returned', toInt64(quantity_before),
    kind = 'qty_rise', toInt64(quantity) - quantity_before, 0)) AS tickets_added,
  countIf(kind = 'new') AS new_listings,
  sumIf(toInt64(quantity), kind = 'new') AS new_tickets,
  countIf(kind = 'returned') AS returned_listings,
  countIf(kind = 'removed') AS removed_listings,
  countIf(kind = 'price_change' AND direction = 'down') AS price_cuts,
  countIf(kind = 'price_change' AND direction = 'up') AS price_raises
FROM listing_changes
GROUP BY event_id, zone, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_activity_daily_mv TO market_rollups_daily AS
SELECT
  event_id,
  zone,
  toDate(changed_at) AS day,
  sumIf(toInt64(quantity), kind = 'initial') AS initial_tickets,
  sum(multiIf(kind IN ('initial', 'new'), toInt64(quantity), kind = 'returned', toInt64(quantity_before),
    kind IN ('qty_drop', 'qty_rise', 'removed'), toInt64(quantity) - quantity_before, 0)) AS tickets_delta,
  sum(multiIf(kind = 'new', toInt64(quantity), kind = 'returned', toInt64(quantity_before),
    kind = 'qty_rise', toInt64(quantity) - quantity_before, 0)) AS tickets_added,
  countIf(kind = 'new') AS new_listings,
  sumIf(toInt64(quantity), kind = 'new') AS new_tickets,
  countIf(kind = 'returned') AS returned_listings,
  countIf(kind = 'removed') AS removed_listings,
  countIf(kind = 'price_change' AND direction = 'down') AS price_cuts,
  countIf(kind = 'price_change' AND direction = 'up') AS price_raises
FROM listing_changes
GROUP BY event_id, zone, day;

-- The asking side: each scrape's median listed all-in price of the zone (zone_snapshots).
CREATE MATERIALIZED VIEW IF NOT EXISTS market_asking_hourly_mv TO market_rollups_hourly AS
SELECT event_id, zone, toStartOfHour(scraped_at) AS hour,
  quantileExactStateIf(0.5)(assumeNotNull(median_price_cents), isNotNull(median_price_cents)) AS asking_price_cents
FROM zone_snapshots
GROUP BY event_id, zone, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_asking_daily_mv TO market_rollups_daily AS
SELECT event_id, zone, toDate(scraped_at) AS day,
  quantileExactStateIf(0.5)(assumeNotNull(median_price_cents), isNotNull(median_price_cents)) AS asking_price_cents
FROM zone_snapshots
GROUP BY event_id, zone, day;

-- Read views: one row per (event, zone, window) with the measures finished. The inventory at a
-- window's start is every earlier window's net movement plus the baseline first listed in it; the
-- running sum must see every earlier window, so filter on event_id and zone only, then on the
-- window in an outer query (api/queries/market.ts does).
CREATE VIEW IF NOT EXISTS market_hourly AS
SELECT
  event_id,
  zone,
  hour,
  tickets_sold,
  revenue_cents,
  sales,
  sum(tickets_delta) OVER w - tickets_delta + initial_tickets AS inventory_start,
  sum(tickets_delta) OVER w AS inventory_end,
  tickets_added,
  if(inventory_start + tickets_added > 0, tickets_sold / (inventory_start + tickets_added), NULL) AS sell_through,
  new_listings,
  new_tickets,
  returned_listings,
  removed_listings,
  price_cuts,
  price_raises,
  if(empty(dom_counts), NULL,
    arrayFirst((k, c) -> c * 2 >= arraySum(dom_counts), dom_hours, arrayCumSum(dom_counts)) / 24) AS median_days_on_market,
  if(empty(price_counts), NULL,
    arrayFirst((k, c) -> c * 2 >= arraySum(price_counts), price_keys, arrayCumSum(price_counts))) AS realized_price_cents,
  if(asking = 0, NULL, toUInt32(asking)) AS asking_price_cents
FROM (
  SELECT
    event_id,
    zone,
    hour,
    sum(tickets_sold) AS tickets_sold,
    sum(revenue_cents) AS revenue_cents,
    sum(sales) AS sales,
    sum(initial_tickets) AS initial_tickets,
    sum(tickets_delta) AS tickets_delta,
    sum(tickets_added) AS tickets_added,
    sum(new_listings) AS new_listings,
    sum(new_tickets) AS new_tickets,
    sum(returned_listings) AS returned_listings,
    sum(removed_listings) AS removed_listings,
    sum(price_cuts) AS price_cuts,
    sum(price_raises) AS price_raises,
    sumMap(hours_on_market) AS dom,
    arrayFilter((k, c) -> c > 0, dom.1, dom.2) AS dom_hours,
    arrayFilter(c -> c > 0, dom.2) AS dom_counts,
    sumMap(sale_prices) AS prices,
    arrayFilter((k, c) -> c > 0, prices.1, prices.2) AS price_keys,
    arrayFilter(c -> c > 0, prices.2) AS price_counts,
    quantileExactMerge(0.5)(asking_price_cents) AS asking
  FROM market_rollups_hourly
  GROUP BY event_id, zone, hour
)
WINDOW w AS (PARTITION BY event_id, zone ORDER BY hour ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

CREATE VIEW IF NOT EXISTS market_daily AS
SELECT
  event_id,
  zone,
  day,
  tickets_sold,
  revenue_cents,
  sales,
  sum(tickets_delta) OVER w - tickets_delta + initial_tickets AS inventory_start,
  sum(tickets_delta) OVER w AS inventory_end,
  tickets_added,
  if(inventory_start + tickets_added > 0, tickets_sold / (inventory_start + tickets_added), NULL) AS sell_through,
  new_listings,
  new_tickets,
  returned_listings,
  removed_listings,
  price_cuts,
  price_raises,
  if(empty(dom_counts), NULL,
    arrayFirst((k, c) -> c * 2 >= arraySum(dom_counts), dom_hours, arrayCumSum(dom_counts)) / 24) AS median_days_on_market,
  if(empty(price_counts), NULL,
    arrayFirst((k, c) -> c * 2 >= arraySum(price_counts), price_keys, arrayCumSum(price_counts))) AS realized_price_cents,
  if(asking = 0, NULL, toUInt32(asking)) AS asking_price_cents
FROM (
  SELECT
    event_id,
    zone,
    day,
    sum(tickets_sold) AS tickets_sold,
    sum(revenue_cents) AS revenue_cents,
    sum(sales) AS sales,
    sum(initial_tickets) AS initial_tickets,
    sum(tickets_delta) AS tickets_delta,
    sum(tickets_added) AS tickets_added,
    sum(new_listings) AS new_listings,
    sum(new_tickets) AS new_tickets,
    sum(returned_listings) AS returned_listings,
    sum(removed_listings) AS removed_listings,
    sum(price_cuts) AS price_cuts,
    sum(price_raises) AS price_raises,
    sumMap(hours_on_market) AS dom,
    arrayFilter((k, c) -> c > 0, dom.1, dom.2) AS dom_hours,
    arrayFilter(c -> c > 0, dom.2) AS dom_counts,
    sumMap(sale_prices) AS prices,
    arrayFilter((k, c) -> c > 0, prices.1, prices.2) AS price_keys,
    arrayFilter(c -> c > 0, prices.2) AS price_counts,
    quantileExactMerge(0.5)(asking_price_cents) AS asking
  FROM market_rollups_daily
  GROUP BY event_id, zone, day
)
WINDOW w AS (PARTITION BY event_id, zone ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
