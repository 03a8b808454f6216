// The ingest views: ClickHouse computes every snapshot's rows from the raw records the metrics
// consumer inserts into `snapshot_landing` (a Null table: it keeps nothing, it only feeds these
// materialized views). One INSERT per offset range fills `snapshots`, `section_snapshots`,
// `zone_snapshots` and `raw_listings`, and through zone_snapshots the hourly and daily rollups; the
// dedup token of that INSERT covers every view (docs/exactly-once.md).
//
// Each view repeats the same steps (a view writes one table), rendered here from one text:
//   listing_rows   one row per listing (LEFT ARRAY JOIN keeps zones and sections without listings)
//   checked        the validity rules of docs/metrics.md and the reject reason
//   block_medians  the median valid price of each (scrape, zone) of the block
//   history        the same medians of earlier scrapes, from zone_snapshots (never the block's own
//                  rows, so a replayed range sees the history its first attempt saw)
//   zone_refs      the outlier reference: the median of those medians over the trailing 24 h, this
//                  scrape included, scrapes processed after it (a higher offset) excluded
//   verdicts       per listing: outlier, counts for the get-in prices, seats together
import type { ManagedView } from '../../lib/clickhouse/views.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { MAX_PRICE_CENTS, metricSelect } from './metrics-sql.ts';

const LANDING = TABLES.snapshotLanding;

const PIPELINE = `
WITH
listing_rows AS (
  SELECT
    snapshot_id, event_id, job_id, scraped_at, event_starts_at, kafka_partition, kafka_offset,
    outlier_ratio, exclude_outliers, keep_raw_listings,
    length(zones) AS zone_count,
    arraySum(r -> greatest(r.count, 0), rejected) AS producer_rejects,
    zi > 0 AS has_zone,
    z.zone_id AS zone_id,
    arrayFirst(x -> x.zone_id = z.zone_id, zones).name AS zone,
    si > 0 AS has_section,
    s.name AS section,
    li > 0 AS has_listing,
    l.listing_id AS listing_id,
    l.row AS row,
    l.quantity AS quantity,
    l.base_price_cents AS base_raw,
    l.all_in_price_cents AS all_in_raw,
    l.splits AS splits
  FROM ${LANDING}
  LEFT ARRAY JOIN zones AS z, arrayEnumerate(zones) AS zi
  LEFT ARRAY JOIN z.sections AS s, arrayEnumerate(z.sections) AS si
  LEFT ARRAY JOIN s.listings AS l, arrayEnumerate(s.listings) AS li
),
checked AS (
  SELECT *,
    multiIf(
      NOT has_listing, '',
      isNull(all_in_raw), 'missing_price',
      assumeNotNull(all_in_raw) <= 0, 'non_positive_price',
      assumeNotNull(all_in_raw) > ${MAX_PRICE_CENTS}, 'price_out_of_range',
      quantity < 1, 'bad_quantity',
      '') AS rejected_reason,
    has_listing AND rejected_reason = '' AS valid,
    if(valid, toUInt32(assumeNotNull(all_in_raw)), toUInt32(0)) AS price
  FROM listing_rows
),
block_medians AS (
  SELECT event_id, zone_id, scraped_at AS t, kafka_partition AS p, kafka_offset AS o,
    floor(quantileExactInclusive(0.5)(toFloat64(price)) + 0.5) AS m
  FROM checked
  WHERE valid
  GROUP BY event_id, zone_id, scraped_at, kafka_partition, kafka_offset
),
history AS (
  SELECT event_id, zone_id, scraped_at AS t, kafka_partition AS p, kafka_offset AS o,
    toFloat64(assumeNotNull(median_price_cents)) AS m
  FROM ${TABLES.zoneSnapshots}
  WHERE event_id IN (SELECT event_id FROM ${LANDING})
    AND scraped_at > (SELECT min(scraped_at) FROM ${LANDING}) - INTERVAL 1 DAY
    AND scraped_at <= (SELECT max(scraped_at) FROM ${LANDING})
    AND median_price_cents IS NOT NULL
    AND (kafka_partition, kafka_offset) NOT IN (SELECT kafka_partition, kafka_offset FROM ${LANDING})
),
zone_refs AS (
  SELECT snapshot_id, zone_id, quantileExactInclusive(0.5)(m) AS ref, count() AS observations
  FROM (
    SELECT x.snapshot_id AS snapshot_id, x.zone_id AS zone_id, y.t AS t,
      argMax(y.m, (y.from_block, y.p, y.o)) AS m
    FROM (
      SELECT DISTINCT snapshot_id, event_id, zone_id, scraped_at, kafka_partition, kafka_offset
      FROM checked WHERE has_zone
    ) AS x
    INNER JOIN (
      SELECT *, 0 AS from_block FROM history
      UNION ALL
      SELECT *, 1 AS from_block FROM block_medians
    ) AS y ON y.event_id = x.event_id AND y.zone_id = x.zone_id
    WHERE y.t > x.scraped_at - INTERVAL 1 DAY AND y.t <= x.scraped_at
      AND (y.from_block = 0 OR y.p != x.kafka_partition OR y.o <= x.kafka_offset)
    GROUP BY snapshot_id, zone_id, t
  )
  GROUP BY snapshot_id, zone_id
),
verdicts AS (
  SELECT c.*,
    c.valid AND r.observations > 0 AND toFloat64(c.price) < c.outlier_ratio * r.ref AS outlier,
    c.valid AND NOT (outlier AND c.exclude_outliers) AS get_in,
    isNotNull(c.base_raw) AND assumeNotNull(c.base_raw) BETWEEN 1 AND ${MAX_PRICE_CENTS} AS base_ok,
    if(base_ok, toUInt32(assumeNotNull(c.base_raw)), toUInt32(0)) AS base,
    c.quantity >= 2 AND (empty(c.splits) OR has(c.splits, 2)) AS pair,
    c.quantity >= 4 AND (empty(c.splits) OR has(c.splits, 4)) AS four,
    if(isNull(c.event_starts_at), NULL,
      toInt32(floor((toUnixTimestamp64Milli(assumeNotNull(c.event_starts_at)) - toUnixTimestamp64Milli(c.scraped_at)) / 86400000))
    ) AS days_to_event
  FROM checked AS c
  LEFT JOIN zone_refs AS r ON r.snapshot_id = c.snapshot_id AND r.zone_id = c.zone_id
)`;

/** Columns that are the same on every row of one snapshot. */
const SNAPSHOT_COLUMNS = `any(event_id) AS event_id, any(scraped_at) AS scraped_at, any(job_id) AS job_id,
  any(kafka_partition) AS kafka_partition, any(kafka_offset) AS kafka_offset`;

const ZONE_SNAPSHOTS = `${PIPELINE}
SELECT snapshot_id, zone_id, ${SNAPSHOT_COLUMNS},
  any(zone) AS zone,
  toUInt16(uniqExactIf(section, has_section)) AS sections,
  any(days_to_event) AS days_to_event,
${metricSelect()}
FROM verdicts
WHERE has_zone
GROUP BY snapshot_id, zone_id`;

const SECTION_SNAPSHOTS = `${PIPELINE}
SELECT snapshot_id, zone_id, section, ${SNAPSHOT_COLUMNS},
  any(zone) AS zone,
  any(days_to_event) AS days_to_event,
${metricSelect()}
FROM verdicts
WHERE has_section
GROUP BY snapshot_id, zone_id, section`;

const SNAPSHOTS = `${PIPELINE}
SELECT snapshot_id, ${SNAPSHOT_COLUMNS},
  toUInt16(least(any(zone_count), 65535)) AS zones,
  toUInt32(uniqExactIf((zone_id, section), has_section)) AS sections,
  toUInt32(countIf(has_listing)) AS listings,
  toUInt32(least(countIf(has_listing AND NOT valid) + any(producer_rejects), 4294967295)) AS rejected_listings,
  toUInt32(countIf(outlier)) AS outlier_listings
FROM verdicts
GROUP BY snapshot_id`;

/** Raw prices may be negative or absurd (that is why they were rejected); the columns are UInt32. */
const rawCents = (c: string) =>
  `if(isNull(${c}) OR assumeNotNull(${c}) NOT BETWEEN 0 AND 4294967295, NULL, toUInt32(assumeNotNull(${c})))`;

const RAW_LISTINGS = `${PIPELINE}
SELECT event_id, scraped_at, snapshot_id, zone_id, zone, section, row, listing_id,
  toUInt32(greatest(quantity, 0)) AS quantity,
  ${rawCents('base_raw')} AS base_price_cents,
  ${rawCents('all_in_raw')} AS all_in_price_cents,
  arrayMap(x -> toUInt32(x), arrayFilter(x -> x >= 0, splits)) AS splits,
  outlier,
  rejected_reason
FROM verdicts
WHERE has_listing AND keep_raw_listings`;

export function ingestViews(): ManagedView[] {
  return [
    { name: 'snapshot_landing_to_snapshots', to: TABLES.snapshots, select: SNAPSHOTS },
    { name: 'snapshot_landing_to_section_snapshots', to: TABLES.sectionSnapshots, select: SECTION_SNAPSHOTS },
    { name: 'snapshot_landing_to_zone_snapshots', to: TABLES.zoneSnapshots, select: ZONE_SNAPSHOTS },
    { name: 'snapshot_landing_to_raw_listings', to: TABLES.rawListings, select: RAW_LISTINGS },
  ];
}
