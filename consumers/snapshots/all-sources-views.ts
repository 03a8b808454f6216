// The all-sources views (docs/metrics.md#all-sources). An event may be on several marketplaces;
// each snapshot is one source's. For every landed snapshot ClickHouse combines its listings with the
// latest snapshot of each other source of the event (processed before it, scraped at most
// TWS_ALL_SOURCES_MAX_AGE_SECONDS earlier, not later), links listings that are the same inventory
// across sites (listing-sql.ts, sameInventory), and writes:
//   snapshot_enriched ──▶ recent_listings           each snapshot's listings for 8 days: the other
//                                                   sources' side of later snapshots
//   snapshot_enriched ──▶ snapshot_all_sources (Null)    the snapshot, plus all sources' listings as of it
//   snapshot_all_sources   ──▶ snapshot_all_sources_linked (Null)    … and which of them are the same inventory
//   snapshot_all_sources_linked   ──▶ raw_listings              every listing, with the sites it is also on
//   snapshot_all_sources_linked   ──▶ zone_snapshots_all_sources     each zone over all sources ──▶ the rollups
// (Stages, not one query: a subquery used twice is computed twice, and the stages stay readable.)
// An event on one source has no other snapshot to combine: its all-sources rows are its own.
//
// Like the outlier reference, the other sources' snapshots are read from earlier inserts
// (recent_listings) or from the same insert at lower offsets, never from the block's own rows in
// recent_listings, so a replayed range combines what its first attempt combined.
import type { ManagedView } from '../../lib/clickhouse/views.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import {
  baseOk,
  isValid,
  placeKey,
  rejectedReason,
  sameInventory,
  seatsTogether,
  validPrice,
  zoneNos,
} from './listing-sql.ts';
import { metricSelect } from './metrics-sql.ts';

const ENRICHED = TABLES.snapshotEnriched;
const ALL_SOURCES = TABLES.snapshotAllSources;
const LINKED = TABLES.snapshotAllSourcesLinked;
const RECENT = TABLES.recentListings;

const ZONES_T = 'Array(Tuple(zone_id String, zone String, sections Array(String)))';
const LISTINGS_T = `Array(Tuple(zone_id String, zone String, section String, row String, seats Array(String),
  quantity Int32, base_price_cents Nullable(Int64), all_in_price_cents Nullable(Int64), splits Array(Int32), outlier Bool))`;
/** All sources' listings as of a snapshot: its own first, then each other source's, by source name. */
const UNION_T = `Array(Tuple(source String, zone_id String, zone String, section String, row String,
  seats Array(String), quantity Int32, base_price_cents Nullable(Int64), all_in_price_cents Nullable(Int64),
  splits Array(Int32), outlier Bool))`;

/** A listing's outlier verdict in zone number `zn` of enriched row `e` (views.ts computes the same). */
const outlierIn = (l: string, zn: string) =>
  `(${isValid(`${l}.all_in_price_cents`, `${l}.quantity`)} AND e.ref_counts[indexOf(e.ref_zone_nos, ${zn})] > 0
    AND toFloat64(assumeNotNull(${l}.all_in_price_cents)) < e.outlier_ratio * e.ref_values[indexOf(e.ref_zone_nos, ${zn})])`;

/**
 * A snapshot row's zones (its alias `t`), and (OWN_LISTINGS, of enriched row `e`) its listings
 * flattened. A zone id repeated in a snapshot is one zone, named as its first entry (as in
 * zone_snapshots).
 */
const ownZones = (t: string) =>
  `CAST(arrayMap((z, zn) -> tuple(z.zone_id, ${t}.zones[zn].name, z.sections.name), ${t}.zones, ${zoneNos(`${t}.zones`)}) AS ${ZONES_T})`;
const OWN_ZONES = ownZones('e');
const OWN_LISTINGS = `CAST(arrayFlatten(arrayMap((z, zn) -> arrayFlatten(arrayMap(s -> arrayMap(l -> tuple(
    z.zone_id, e.zones[zn].name, s.name, l.row, l.seats, l.quantity, l.base_price_cents, l.all_in_price_cents, l.splits,
    ${outlierIn('l', 'zn')}), s.listings), z.sections)), e.zones, ${zoneNos('e.zones')})) AS ${LISTINGS_T})`;

// ── recent_listings ─────────────────────────────────────────────────────────────────────────────

const RECENT_LISTINGS = `
SELECT e.event_id AS event_id, e.source AS source, e.scraped_at AS scraped_at, e.snapshot_id AS snapshot_id,
  e.kafka_partition AS kafka_partition, e.kafka_offset AS kafka_offset, ${OWN_ZONES} AS zones, ${OWN_LISTINGS} AS listings
FROM ${ENRICHED} AS e`;

// ── snapshot_all_sources ─────────────────────────────────────────────────────────────────────────────

/**
 * Snapshots in recent_listings that a block snapshot may combine: its events, within the max age.
 * (In a view, a subquery that joins the block to itself would read the empty Null table instead of
 * the block inside IN (…), so the filters here and below are plain subqueries and joins.)
 */
const HISTORY = `FROM ${RECENT}
  WHERE event_id IN (SELECT event_id FROM ${ENRICHED})
    AND scraped_at > subtractSeconds((SELECT min(scraped_at) FROM ${ENRICHED}), (SELECT max(peer_max_age_seconds) FROM ${ENRICHED}))
    AND scraped_at <= (SELECT max(scraped_at) FROM ${ENRICHED})
    AND (kafka_partition, kafka_offset) NOT IN (SELECT kafka_partition, kafka_offset FROM ${ENRICHED})`;

/** The block's events seen on more than one source (in the block or in recent_listings). */
const MULTI_SOURCE_EVENTS = `(
  SELECT event_id FROM (
    SELECT event_id, source FROM ${ENRICHED}
    UNION ALL
    SELECT event_id, source ${HISTORY}
  )
  GROUP BY event_id HAVING uniqExact(source) > 1
)`;

/**
 * Per block snapshot `xo` and other source: the snapshot combined with it, as (partition, offset,
 * from the block). The latest by scraped_at (then offset) among those processed before it and
 * scraped in (its time − max age, its time].
 */
const PEERS = `(
  SELECT x.p AS xp, x.o AS xo, argMax(tuple(y.p, y.o, y.from_block), tuple(y.t, y.p, y.o)) AS peer
  FROM (
    SELECT kafka_partition AS p, kafka_offset AS o, event_id, source, scraped_at AS t, peer_max_age_seconds AS max_age
    FROM ${ENRICHED}
  ) AS x
  INNER JOIN (
    SELECT kafka_partition AS p, kafka_offset AS o, event_id, source, scraped_at AS t, 1 AS from_block FROM ${ENRICHED}
    UNION ALL
    SELECT DISTINCT kafka_partition AS p, kafka_offset AS o, event_id, source, scraped_at AS t, 0 AS from_block ${HISTORY}
  ) AS y ON y.event_id = x.event_id
  WHERE y.source != x.source AND y.t <= x.t AND y.t > subtractSeconds(x.t, x.max_age)
    AND (y.from_block = 0 OR (y.p = x.p AND y.o < x.o))
  GROUP BY xp, xo, y.source
)`;

/** Per block snapshot with other sources: theirs, by source name, as (source, snapshot id, zones, listings). */
const PEER_SETS = `(
  SELECT pr.xp AS xp, pr.xo AS xo,
    arraySort(t -> t.1, groupArray(tuple(s.source, s.snapshot_id, s.zones, s.listings))) AS sets
  FROM (SELECT xp, xo, peer.1 AS pp, peer.2 AS po FROM ${PEERS}) AS pr
  INNER JOIN (
    SELECT e.kafka_partition AS p, e.kafka_offset AS o, e.source AS source, e.snapshot_id AS snapshot_id,
      ${OWN_ZONES} AS zones, ${OWN_LISTINGS} AS listings
    FROM ${ENRICHED} AS e
    WHERE e.event_id IN ${MULTI_SOURCE_EVENTS}
    UNION ALL
    SELECT kafka_partition AS p, kafka_offset AS o, source, snapshot_id, zones, listings ${HISTORY}
  ) AS s ON s.p = pr.pp AND s.o = pr.po
  GROUP BY xp, xo
)`;

/** One listing of `st` (a peer's set: source, snapshot id, zones, listings) in the union's shape. */
const asUnion = (source: string, l: string) =>
  `tuple(${source}, ${l}.zone_id, ${l}.zone, ${l}.section, ${l}.row, ${l}.seats, ${l}.quantity, ${l}.base_price_cents,
    ${l}.all_in_price_cents, ${l}.splits, ${l}.outlier)`;

/** Each block snapshot with the listings of all sources as of it: its own first, then its peers'. */
const SNAPSHOT_ALL_SOURCES = `
SELECT x.kafka_partition AS kafka_partition, x.kafka_offset AS kafka_offset, x.snapshot_id AS snapshot_id,
  x.job_id AS job_id, x.event_id AS event_id, x.source AS source, x.source_event_id AS source_event_id,
  x.scraped_at AS scraped_at, x.event_starts_at AS event_starts_at, x.zones AS zones, x.rejected AS rejected,
  x.outlier_ratio AS outlier_ratio, x.exclude_outliers AS exclude_outliers, x.keep_raw_listings AS keep_raw_listings,
  x.dedupe_tolerance AS dedupe_tolerance, x.peer_max_age_seconds AS peer_max_age_seconds,
  x.ref_zone_nos AS ref_zone_nos, x.ref_values AS ref_values, x.ref_counts AS ref_counts,
  arrayConcat([x.source], arrayMap(st -> st.1, x.sets)) AS union_sources,
  arrayConcat([x.snapshot_id], arrayMap(st -> st.2, x.sets)) AS union_snapshot_ids,
  arrayConcat(
    arrayMap(z -> tuple(x.source, z.zone_id, z.zone, z.sections), x.own_zones),
    arrayFlatten(arrayMap(st -> arrayMap(z -> tuple(st.1, z.zone_id, z.zone, z.sections), st.3), x.sets))
  ) AS union_zones,
  CAST(arrayConcat(arrayMap(l -> ${asUnion('x.source', 'l')}, x.own),
    arrayFlatten(arrayMap(st -> arrayMap(l -> ${asUnion('st.1', 'l')}, st.4), x.sets))) AS ${UNION_T}) AS union_listings,
  toUInt32(length(x.own)) AS own_listings
FROM (
  SELECT e.*, ps.sets AS sets, ${OWN_ZONES} AS own_zones, ${OWN_LISTINGS} AS own
  FROM ${ENRICHED} AS e
  LEFT JOIN ${PEER_SETS} AS ps ON ps.xp = e.kafka_partition AND ps.xo = e.kafka_offset
) AS x`;

/** The unions of the block snapshots that have other sources, one row per listing (i: its place). */
const UNION_ROWS = `(
  SELECT kafka_partition AS xp, kafka_offset AS xo, dedupe_tolerance AS tol, i, l.source AS source, ${placeKey('l.section')} AS section_key,
    ${placeKey('l.row')} AS row_key, l.seats AS seats, ${isValid('l.all_in_price_cents', 'l.quantity')} AS valid,
    ${validPrice('l.all_in_price_cents', isValid('l.all_in_price_cents', 'l.quantity'))} AS price
  FROM ${ALL_SOURCES}
  ARRAY JOIN union_listings AS l, arrayEnumerate(union_listings) AS i
  WHERE length(union_sources) > 1
)`;

/**
 * Per union, its listings that match a listing of another source: those with a match on an earlier
 * source (by name: the inventory is counted there), and every source each one matches.
 */
const LINKS = `(
  SELECT xp, xo, groupArrayIf(i, duplicate) AS dup_is, groupArray(i) AS link_is, groupArray(sources) AS link_sources
  FROM (
    SELECT a.xp AS xp, a.xo AS xo, a.i AS i, max(b.source < a.source) AS duplicate,
      arraySort(groupUniqArray(b.source)) AS sources
    FROM ${UNION_ROWS} AS a
    INNER JOIN ${UNION_ROWS} AS b
      ON b.xp = a.xp AND b.xo = a.xo AND b.section_key = a.section_key AND b.row_key = a.row_key
    WHERE ${sameInventory('a', 'b', 'a.tol')}
    GROUP BY xp, xo, i
  )
  GROUP BY xp, xo
)`;

const SNAPSHOT_LINKED = `
SELECT m.*, lk.dup_is AS union_duplicates,
  arrayMap(i -> lk.link_sources[indexOf(lk.link_is, i)], range(1, m.own_listings + 1)) AS own_also_on
FROM ${ALL_SOURCES} AS m
LEFT JOIN ${LINKS} AS lk ON lk.xp = m.kafka_partition AND lk.xo = m.kafka_offset`;

// ── raw_listings ────────────────────────────────────────────────────────────────────────────────

/** Raw prices may be negative or absurd (that is why they were rejected); the columns are UInt32. */
const rawCents = (c: string) =>
  `if(isNull(${c}) OR assumeNotNull(${c}) NOT BETWEEN 0 AND 4294967295, NULL, toUInt32(assumeNotNull(${c})))`;
const RAW_VALID = isValid('l.all_in_price_cents', 'l.quantity');

// Every listing of the snapshot, in its place of the flattened order (zone, section, listing) that
// own_also_on follows: listings of the zones before, of the zone's sections before, then its own.
const RAW_LISTINGS = `
SELECT r.event_id AS event_id, r.source AS source, r.scraped_at AS scraped_at, r.snapshot_id AS snapshot_id,
  r.zone_ids[r.zone_no] AS zone_id, r.zone_names[r.zone_no] AS zone, r.section AS section,
  r.row AS row, r.listing_id AS listing_id, r.quantity AS quantity, r.base_price_cents AS base_price_cents,
  r.all_in_price_cents AS all_in_price_cents, r.splits AS splits, r.seats AS seats, r.outlier AS outlier,
  r.rejected_reason AS rejected_reason, r.also_on AS also_on
FROM (
  SELECT event_id, source, scraped_at, snapshot_id, zone_ids, zone_names, zone_no, x.name AS section, l.row AS row,
    l.listing_id AS listing_id, toUInt32(greatest(l.quantity, 0)) AS quantity,
    ${rawCents('l.base_price_cents')} AS base_price_cents,
    ${rawCents('l.all_in_price_cents')} AS all_in_price_cents,
    arrayMap(v -> toUInt32(v), arrayFilter(v -> v >= 0, l.splits)) AS splits, l.seats AS seats,
    (${RAW_VALID} AND observations > 0 AND toFloat64(${validPrice('l.all_in_price_cents', RAW_VALID)}) < outlier_ratio * ref) AS outlier,
    ${rejectedReason('l.all_in_price_cents', 'l.quantity')} AS rejected_reason,
    also_on_all[zone_start + arraySum(arraySlice(section_sizes, 1, sj - 1)) + li] AS also_on
  FROM (
    SELECT m.event_id AS event_id, m.source AS source, m.scraped_at AS scraped_at, m.snapshot_id AS snapshot_id,
      m.zones.zone_id AS zone_ids, m.zones.name AS zone_names, zone_no, z AS zone_entry,
      arrayMap(s -> length(s.listings), z.sections) AS section_sizes,
      arraySum(arraySlice(arrayMap(zz -> arraySum(arrayMap(s -> length(s.listings), zz.sections)), m.zones), 1, zk - 1)) AS zone_start,
      m.ref_values[indexOf(m.ref_zone_nos, zone_no)] AS ref,
      m.ref_counts[indexOf(m.ref_zone_nos, zone_no)] AS observations, m.outlier_ratio AS outlier_ratio,
      m.own_also_on AS also_on_all
    FROM ${LINKED} AS m
    ARRAY JOIN m.zones AS z, ${zoneNos('m.zones')} AS zone_no, arrayEnumerate(m.zones) AS zk
    WHERE m.keep_raw_listings
  )
  ARRAY JOIN zone_entry.sections AS x, arrayEnumerate(zone_entry.sections) AS sj
  ARRAY JOIN x.listings AS l, arrayEnumerate(x.listings) AS li
) AS r`;

// ── zone_snapshots_all_sources ───────────────────────────────────────────────────────────────────────

/**
 * One group per (snapshot, zone name) over all sources' listings as of the snapshot. The zone id is
 * the one of the first source by name that lists the zone. `counted` leaves out cross-site
 * duplicates: the inventory of all sources counts them once.
 */
const ZONE_GROUPS_ALL = `(
  SELECT m.event_id AS event_id, m.scraped_at AS scraped_at, m.snapshot_id AS snapshot_id, m.job_id AS job_id,
    m.source AS source, m.union_sources AS sources, m.union_snapshot_ids AS snapshot_ids,
    m.kafka_partition AS kafka_partition, m.kafka_offset AS kafka_offset, m.exclude_outliers AS exclude_outliers,
    if(isNull(m.event_starts_at), NULL,
      toInt32(floor((toUnixTimestamp64Milli(assumeNotNull(m.event_starts_at)) - toUnixTimestamp64Milli(m.scraped_at)) / 86400000))
    ) AS days_to_event,
    zone,
    arraySort(z -> (z.source, z.zone_id), arrayFilter(z -> z.zone = zone, m.union_zones))[1].zone_id AS zone_id,
    toUInt16(least(length(arrayDistinct(arrayFlatten(arrayMap(z -> z.sections,
      arrayFilter(z -> z.zone = zone, m.union_zones))))), 65535)) AS sections,
    arrayFilter(l -> l.zone = zone, m.union_listings) AS ls,
    arrayFilter((d, l) -> l.zone = zone, arrayMap(i -> has(m.union_duplicates, i), arrayEnumerate(m.union_listings)),
      m.union_listings) AS duplicate
  FROM ${LINKED} AS m
  ARRAY JOIN arrayDistinct(arrayMap(z -> z.zone, m.union_zones)) AS zone
)`;

const VERDICTS_ALL = `
    arrayMap(l -> ${isValid('l.all_in_price_cents', 'l.quantity')}, ls) AS valid,
    arrayMap((l, v) -> ${validPrice('l.all_in_price_cents', 'v')}, ls, valid) AS price,
    arrayMap((l, v) -> v AND l.outlier, ls, valid) AS outlier,
    arrayMap((v, o) -> v AND NOT (o AND exclude_outliers), valid, outlier) AS get_in,
    arrayMap(l -> ${baseOk('l.base_price_cents')}, ls) AS base_ok,
    arrayMap((l, ok) -> if(ok, toUInt32(assumeNotNull(l.base_price_cents)), toUInt32(0)), ls, base_ok) AS base,
    arrayMap(l -> l.quantity, ls) AS quantity,
    arrayMap(l -> ${seatsTogether(2, 'l.quantity', 'l.splits')}, ls) AS pair,
    arrayMap(l -> ${seatsTogether(4, 'l.quantity', 'l.splits')}, ls) AS four,
    arrayMap((v, d) -> v AND NOT d, valid, duplicate) AS counted`;

const ZONE_SNAPSHOTS_ALL_SOURCES = `
SELECT event_id, scraped_at, snapshot_id, job_id, source, sources, snapshot_ids, zone_id, zone, sections, days_to_event,
${metricSelect('  ')},
  arrayCount((v, c) -> v AND NOT c, valid, counted) AS duplicate_listings,
  kafka_partition, kafka_offset
FROM (
  SELECT *,${VERDICTS_ALL}
  FROM ${ZONE_GROUPS_ALL}
)`;

export function allSourcesViews(): ManagedView[] {
  return [
    { name: 'snapshot_enriched_to_recent_listings', to: RECENT, select: RECENT_LISTINGS },
    { name: 'snapshot_enriched_to_all_sources', to: ALL_SOURCES, select: SNAPSHOT_ALL_SOURCES },
    { name: 'snapshot_all_sources_to_linked', to: LINKED, select: SNAPSHOT_LINKED },
    { name: 'snapshot_all_sources_linked_to_raw_listings', to: TABLES.rawListings, select: RAW_LISTINGS },
    {
      name: 'snapshot_all_sources_linked_to_zone_snapshots_all_sources',
      to: TABLES.zoneSnapshotsAllSources,
      select: ZONE_SNAPSHOTS_ALL_SOURCES,
    },
  ];
}
