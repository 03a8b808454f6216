// The ingest views: ClickHouse computes every snapshot's rows from the raw records the metrics
// consumer inserts into `snapshot_landing`. One INSERT per offset range fills `snapshots`,
// `section_snapshots`, `zone_snapshots` and `raw_listings`, and through zone_snapshots the hourly
// and daily rollups; the dedup token of that INSERT covers every view (docs/exactly-once.md).
//
//   snapshot_landing ──(enrich: the outlier reference of every zone, once)──▶ snapshot_enriched
//   snapshot_enriched ──▶ snapshots, section_snapshots, zone_snapshots (per source)
//   snapshot_enriched ──▶ recent_listings, snapshot_all_sources ──▶ raw_listings, zone_snapshots_all_sources
//                        (all sources: all-sources-views.ts)
// snapshot_enriched and snapshot_all_sources are Null tables: they keep nothing, they feed the views.
//
// The outlier reference of a (scrape, zone) is the median of that zone's per-scrape medians on the
// same source over the trailing 24 hours, this scrape included, scrapes processed after it (a
// higher offset) excluded. It reads the history from zone_snapshots, never the block's own rows
// there, so a replayed range sees the history its first attempt saw.
//
// Within a snapshot, a repeated zone id, or (zone, section) pair, takes the number of its first
// entry, so repeats merge into one group. A group's listings are parallel arrays of the fields the
// metrics read (metrics-sql.ts): there is no row per listing except in raw_listings.
import type { ManagedView } from '../../lib/clickhouse/views.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { baseOk, isOutlier, isValid, seatsTogether, validPrice, zoneNos } from './listing-sql.ts';
import { allSourcesViews } from './all-sources-views.ts';
import { metricSelect } from './metrics-sql.ts';

const LANDING = TABLES.snapshotLanding;
const ENRICHED = TABLES.snapshotEnriched;
const LANDING_COLUMNS = `snapshot_id, job_id, event_id, source, source_event_id, scraped_at, event_starts_at, zones,
  rejected, kafka_partition, kafka_offset, outlier_ratio, exclude_outliers, keep_raw_listings, dedupe_tolerance,
  peer_max_age_seconds`;

/** The median of the valid prices of listings (parallel arrays), half a cent up; NaN when none is valid. */
const zoneMedian = (prices: string, quantities: string) =>
  `floor(arrayReduce('quantileExactInclusive(0.5)', arrayMap(p -> toFloat64(assumeNotNull(p)),
    arrayFilter((p, q) -> ${isValid('p', 'q')}, ${prices}, ${quantities}))) + 0.5)`;

const ZONE_NOS = zoneNos;

// A snapshot of the block is (kafka_partition, kafka_offset): our consumer inserts one partition's
// range at a time, but an insert of several partitions (the bench's Kafka-engine baseline, or a
// user's own feed into snapshot_landing) must not mix snapshots that share an offset.

// ── Stage 1: the outlier reference of every (snapshot, zone) of the block ──────────────────────

const ENRICH = `
WITH
zone_medians AS (
  SELECT b.kafka_partition AS p, b.kafka_offset AS o, b.event_id AS event_id, b.source AS source, b.scraped_at AS t,
    zone_id, zone_no,
    ${zoneMedian('arrayFlatten(groupArray(entry_prices))', 'arrayFlatten(groupArray(entry_qty))')} AS m
  FROM ${LANDING} AS b
  ARRAY JOIN b.zones.zone_id AS zone_id, ${ZONE_NOS('b.zones')} AS zone_no,
    b.zones.sections.listings.all_in_price_cents AS entry_prices, b.zones.sections.listings.quantity AS entry_qty
  GROUP BY p, o, event_id, source, t, zone_id, zone_no
),
observations AS (
  SELECT event_id, source, zone_id, t, p, o, m, 1 AS from_block FROM zone_medians WHERE NOT isNaN(m)
  UNION ALL
  SELECT event_id, source, zone_id, scraped_at AS t, kafka_partition AS p, kafka_offset AS o,
    toFloat64(assumeNotNull(median_price_cents)) AS m, 0 AS from_block
  FROM ${TABLES.zoneSnapshots}
  WHERE event_id IN (SELECT event_id FROM ${LANDING})
    AND scraped_at > (SELECT min(scraped_at) FROM ${LANDING}) - INTERVAL 1 DAY
    AND scraped_at <= (SELECT max(scraped_at) FROM ${LANDING})
    AND median_price_cents IS NOT NULL
    AND (kafka_partition, kafka_offset) NOT IN (SELECT kafka_partition, kafka_offset FROM ${LANDING})
),
zone_refs AS (
  SELECT p, o, zone_no, quantileExactInclusive(0.5)(m) AS ref, count() AS n
  FROM (
    SELECT x.p AS p, x.o AS o, x.zone_no AS zone_no, y.t AS t, argMax(y.m, (y.from_block, y.p, y.o)) AS m
    FROM zone_medians AS x
    INNER JOIN observations AS y ON y.event_id = x.event_id AND y.zone_id = x.zone_id
    -- A zone's history on its own source ('': rows from before sources were recorded, one per event).
    WHERE (y.source = x.source OR y.source = '') AND y.t > x.t - INTERVAL 1 DAY AND y.t <= x.t AND (y.from_block = 0 OR y.p != x.p OR y.o <= x.o)
    GROUP BY p, o, zone_no, t
  )
  GROUP BY p, o, zone_no
)
SELECT ${LANDING_COLUMNS.replace(/(\w+)/g, 'l.$1 AS $1')},
  r.zone_nos AS ref_zone_nos, r.refs AS ref_values, r.counts AS ref_counts
FROM ${LANDING} AS l
LEFT JOIN (
  SELECT p, o, groupArray(zone_no) AS zone_nos, groupArray(ref) AS refs, groupArray(n) AS counts
  FROM zone_refs GROUP BY p, o
) AS r ON r.p = l.kafka_partition AND r.o = l.kafka_offset`;

// ── Stage 2: the tables ────────────────────────────────────────────────────────────────────────

/** A snapshot's own columns and the numbering of its zones and sections (from snapshot_enriched `e`). */
const SNAPS = `snaps AS (
  SELECT e.kafka_partition AS kafka_partition, e.kafka_offset AS kafka_offset, e.snapshot_id AS snapshot_id,
    e.event_id AS event_id, e.source AS source, e.job_id AS job_id, e.scraped_at AS scraped_at,
    e.zones.zone_id AS zone_ids,
    e.zones.name AS zone_names,
    arrayFlatten(arrayMap(z -> arrayMap(x -> (z.zone_id, x.name), z.sections), e.zones)) AS section_pairs,
    if(isNull(e.event_starts_at), NULL,
      toInt32(floor((toUnixTimestamp64Milli(assumeNotNull(e.event_starts_at)) - toUnixTimestamp64Milli(e.scraped_at)) / 86400000))
    ) AS days_to_event
  FROM ${ENRICHED} AS e
)`;

/**
 * One row per zone entry of the block, with its zone's reference and the metric settings: what a
 * group of listings needs besides its listings. Only the listing fields in use travel with it (as
 * arrays per section): copying ids and rows onto every entry was most of the views' cost.
 */
const ENTRY_COLUMNS = `e.kafka_partition AS kafka_partition, e.kafka_offset AS kafka_offset, zone_no, zone_id,
    e.ref_values[indexOf(e.ref_zone_nos, zone_no)] AS ref,
    e.ref_counts[indexOf(e.ref_zone_nos, zone_no)] AS observations,
    e.outlier_ratio AS outlier_ratio, e.exclude_outliers AS exclude_outliers,
    section_names, all_in_by_section, qty_by_section, base_by_section, splits_by_section`;
const ZONE_ENTRIES = `FROM ${ENRICHED} AS e
    ARRAY JOIN ${ZONE_NOS('e.zones')} AS zone_no, e.zones.zone_id AS zone_id, e.zones.sections.name AS section_names,
      e.zones.sections.listings.all_in_price_cents AS all_in_by_section, e.zones.sections.listings.quantity AS qty_by_section,
      e.zones.sections.listings.base_price_cents AS base_by_section, e.zones.sections.listings.splits AS splits_by_section`;

/**
 * A group's listings as parallel arrays of the four fields the metrics read, concatenated over the
 * group's entries (`field(name)` is one entry's array of that field). Copying ids and rows too was
 * most of the cost.
 */
const listingArrays = (field: (name: string) => string) => `
    arrayFlatten(groupArray(${field('all_in_price_cents')})) AS all_in,
    arrayFlatten(groupArray(${field('quantity')})) AS qty,
    arrayFlatten(groupArray(${field('base_price_cents')})) AS base_raw,
    arrayReduce('groupArrayArray', groupArray(${field('splits')})) AS splits`;
// Scalars flatten fully (NULLs keep their place); splits are arrays themselves, so they are
// concatenated one level with groupArrayArray (which would drop NULL scalars, but splits are never
// NULL: a missing one reads as empty).
/** A zone entry's listings, section after section: one level of nesting removed. */
const BY_SECTION: Record<string, string> = {
  all_in_price_cents: 'all_in_by_section',
  quantity: 'qty_by_section',
  base_price_cents: 'base_by_section',
  splits: 'splits_by_section',
};
/** A zone entry's listings, section after section: one level of nesting removed. */
const zoneEntryField = (name: string) =>
  name === 'splits' ? `arrayReduce('groupArrayArray', splits_by_section)` : `arrayFlatten(${BY_SECTION[name]})`;
/** A section entry's listings (after ARRAY JOIN of the entry's sections, `<field>_by_section` are its own). */
const sectionEntryField = (name: string) => `sec_${BY_SECTION[name]}`;

/** A group's verdict arrays (see metrics-sql.ts) from its listing arrays and its zone's reference. */
const VERDICT_ARRAYS = `
    arrayMap((p, q) -> ${isValid('p', 'q')}, all_in, qty) AS valid,
    arrayMap((p, v) -> ${validPrice('p', 'v')}, all_in, valid) AS price,
    arrayMap((p, v) -> ${isOutlier('p', 'v')}, price, valid) AS outlier,
    arrayMap((v, o) -> v AND NOT (o AND exclude_outliers), valid, outlier) AS get_in,
    arrayMap(b -> ${baseOk('b')}, base_raw) AS base_ok,
    arrayMap((b, ok) -> if(ok, toUInt32(assumeNotNull(b)), toUInt32(0)), base_raw, base_ok) AS base,
    qty AS quantity,
    arrayMap((q, sp) -> ${seatsTogether(2, 'q', 'sp')}, qty, splits) AS pair,
    arrayMap((q, sp) -> ${seatsTogether(4, 'q', 'sp')}, qty, splits) AS four,
    valid AS counted`;

/** The metrics of `groups` (rows with `keys`, the listing arrays, ref, observations, the settings). */
const metricsOf = (groups: string, keys: string[]) => `
  SELECT ${keys.join(', ')},
${metricSelect('    ')}
  FROM (
    SELECT ${keys.join(', ')}, ref, observations, outlier_ratio, exclude_outliers,${VERDICT_ARRAYS}
    FROM ${groups}
  )`;

const SNAPSHOT_COLUMNS = `s.snapshot_id AS snapshot_id, s.event_id AS event_id, s.source AS source, s.scraped_at AS scraped_at,
  s.job_id AS job_id, s.kafka_partition AS kafka_partition, s.kafka_offset AS kafka_offset`;

const ZONE_GROUPS = `(
  SELECT kafka_partition, kafka_offset, zone_no,${listingArrays(zoneEntryField)},
    any(ref) AS ref, any(observations) AS observations, any(outlier_ratio) AS outlier_ratio,
    any(exclude_outliers) AS exclude_outliers
  FROM (SELECT ${ENTRY_COLUMNS} ${ZONE_ENTRIES})
  GROUP BY kafka_partition, kafka_offset, zone_no
)`;

const ZONE_SNAPSHOTS = `WITH ${SNAPS}
SELECT ${SNAPSHOT_COLUMNS},
  s.zone_ids[m.zone_no] AS zone_id,
  s.zone_names[m.zone_no] AS zone,
  toUInt16(length(arrayDistinct(arrayFilter(x -> x.1 = s.zone_ids[m.zone_no], s.section_pairs)))) AS sections,
  s.days_to_event AS days_to_event,
  m.* EXCEPT (kafka_partition, kafka_offset, zone_no)
FROM (${metricsOf(ZONE_GROUPS, ['kafka_partition', 'kafka_offset', 'zone_no'])}) AS m
INNER JOIN snaps AS s ON s.kafka_partition = m.kafka_partition AND s.kafka_offset = m.kafka_offset`;

const SECTION_GROUPS = `(
  SELECT kafka_partition, kafka_offset, section_no, any(zone_no) AS zone_of_section,${listingArrays(sectionEntryField)},
    any(ref) AS ref, any(observations) AS observations, any(outlier_ratio) AS outlier_ratio,
    any(exclude_outliers) AS exclude_outliers
  FROM (
    SELECT ${ENTRY_COLUMNS},
      arrayFlatten(arrayMap(z -> arrayMap(x -> (z.zone_id, x.name), z.sections), e.zones)) AS pairs
    ${ZONE_ENTRIES}
  )
  ARRAY JOIN arrayMap(n -> toUInt32(indexOf(pairs, (zone_id, n))), section_names) AS section_no,
    all_in_by_section AS sec_all_in_by_section, qty_by_section AS sec_qty_by_section,
    base_by_section AS sec_base_by_section, splits_by_section AS sec_splits_by_section
  GROUP BY kafka_partition, kafka_offset, section_no
)`;

const SECTION_SNAPSHOTS = `WITH ${SNAPS}
SELECT ${SNAPSHOT_COLUMNS},
  s.zone_ids[m.zone_of_section] AS zone_id,
  s.zone_names[m.zone_of_section] AS zone,
  s.section_pairs[m.section_no].2 AS section,
  s.days_to_event AS days_to_event,
  m.* EXCEPT (kafka_partition, kafka_offset, zone_of_section, section_no)
FROM (${metricsOf(SECTION_GROUPS, ['kafka_partition', 'kafka_offset', 'zone_of_section', 'section_no'])}) AS m
INNER JOIN snaps AS s ON s.kafka_partition = m.kafka_partition AND s.kafka_offset = m.kafka_offset`;

// A snapshot without zones, or whose zones have no listings, still gets its row (LEFT JOIN: 0s).
const SNAPSHOTS = `WITH
counts AS (
  SELECT kafka_partition AS p, kafka_offset AS o, sum(length(valid)) AS listings_n,
    sum(arrayCount(x -> NOT x, valid)) AS rejected_n, sum(arrayCount(outlier)) AS outliers_n
  FROM (
    SELECT kafka_partition, kafka_offset, ref, observations, outlier_ratio,
      arrayMap((p, q) -> ${isValid('p', 'q')}, all_in, qty) AS valid,
      arrayMap((p, v) -> ${isOutlier(validPrice('p', 'v'), 'v')}, all_in, valid) AS outlier
    FROM ${ZONE_GROUPS}
  )
  GROUP BY kafka_partition, kafka_offset
)
SELECT en.snapshot_id AS snapshot_id, en.event_id AS event_id, en.source AS source, en.scraped_at AS scraped_at,
  en.job_id AS job_id,
  en.kafka_partition AS kafka_partition, en.kafka_offset AS kafka_offset,
  toUInt16(least(length(en.zones), 65535)) AS zones,
  toUInt32(length(arrayDistinct(arrayFlatten(arrayMap(z -> arrayMap(x -> (z.zone_id, x.name), z.sections), en.zones))))) AS sections,
  toUInt32(c.listings_n) AS listings,
  toUInt32(least(c.rejected_n + arraySum(r -> greatest(r.count, 0), en.rejected), 4294967295)) AS rejected_listings,
  toUInt32(c.outliers_n) AS outlier_listings
FROM ${ENRICHED} AS en
LEFT JOIN counts AS c ON c.p = en.kafka_partition AND c.o = en.kafka_offset`;

export function ingestViews(): ManagedView[] {
  return [
    { name: 'snapshot_landing_to_enriched', to: ENRICHED, select: ENRICH },
    { name: 'snapshot_enriched_to_snapshots', to: TABLES.snapshots, select: SNAPSHOTS },
    { name: 'snapshot_enriched_to_section_snapshots', to: TABLES.sectionSnapshots, select: SECTION_SNAPSHOTS },
    { name: 'snapshot_enriched_to_zone_snapshots', to: TABLES.zoneSnapshots, select: ZONE_SNAPSHOTS },
    // raw_listings, recent_listings and zone_snapshots_all_sources: the all-sources views.
    ...allSourcesViews(),
  ];
}
