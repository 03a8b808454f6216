// The listing lifecycle, computed by ClickHouse in the lifecycle consumer's insert (handler.ts; its
// own consumer group, so this work never slows the metrics): views on `lifecycle_landing` compare
// each complete snapshot of an (event, source) with the previous complete one, listing by listing
// (rules-sql.ts), and write `listing_changes` (docs/tables.md).
//
//   lifecycle_landing ──▶ lifecycle_snapshots   every snapshot: diffed, or why not
//   lifecycle_landing ──▶ listing_diff (Null) ──▶ listing_changes, listing_state
//
// Exactly once under the insert's token (docs/exactly-once.md): the state before a block comes
// from ClickHouse (lifecycle_snapshots for the last diffed snapshot, listing_state for each
// listing), never from JavaScript, and never from rows the block itself wrote. A replay of the
// block may find its own rows there (a crash between two views); rows at or after the block's
// first offset in its partition are its own (or a later block's, which exist only when this block
// landed whole, so its output is dropped by the dedup token anyway): for those, the state before
// the block is read from the row's `prev`, which merges of listing_state cannot drop. Snapshots of
// one key in one block are diffed in offset order, each against the one before it.
import type { ManagedView } from '../../lib/clickhouse/views.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { MAX_PRICE_CENTS } from '../snapshots/metrics-sql.ts';
import { CHANGE, RULE_STAGES, STATE_AFTER, STATE_TYPE } from './rules-sql.ts';

const LANDING = TABLES.lifecycleLanding;
const SNAPSHOTS = TABLES.lifecycleSnapshots;
const DIFF = TABLES.listingDiff;
const STATE = TABLES.listingState;

/** Rows at or after the block's first offset in its partition: the block's own (see above). */
const OWN_ROW = 'kafka_partition = block_p AND kafka_offset >= block_o';

/** Every snapshot of the block, judged: diffed in order `i` per key, or skipped with a reason. */
const JUDGED = `
  (SELECT any(kafka_partition) FROM ${LANDING}) AS block_p,
  (SELECT min(kafka_offset) FROM ${LANDING}) AS block_o,
block AS (
  SELECT kafka_partition AS p, kafka_offset AS o, snapshot_id, event_id, source, scraped_at AS t,
    event_starts_at AS starts, relist_window_hours AS window_h, event_end_cutoff_minutes AS cutoff_m,
    toUInt32(length(arrayFlatten(zones.sections.listings.listing_id))) AS listings,
    if(isNull(expected_listings), NULL, toUInt32(greatest(assumeNotNull(expected_listings), 0))) AS expected,
    toUInt32(arraySum(r -> greatest(r.count, 0), rejected)) AS rejected_items,
    rejected_items = 0 AND (isNull(expected) OR assumeNotNull(expected) = listings) AS complete
  FROM ${LANDING}
  -- A copy of a snapshot an earlier range judged (published again upstream) is left out.
  WHERE snapshot_id NOT IN (
    SELECT snapshot_id FROM ${SNAPSHOTS}
    WHERE event_id IN (SELECT event_id FROM ${LANDING}) AND NOT (${OWN_ROW})
  )
),
marks AS (
  SELECT event_id, source, toUInt8(1) AS found, max(scraped_at) AS mark_t, argMax(snapshot_id, scraped_at) AS mark_id
  FROM ${SNAPSHOTS}
  WHERE diffed AND (event_id, source) IN (SELECT event_id, source FROM ${LANDING}) AND NOT (${OWN_ROW})
  GROUP BY event_id, source
),
ordered AS (
  SELECT b.*, ifNull(m.found, 0) = 1 AS has_mark, m.mark_t AS mark_t, m.mark_id AS mark_id,
    max(if(b.complete, b.t, toDateTime64(0, 3, 'UTC'))) OVER (PARTITION BY b.event_id, b.source ORDER BY b.o
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newest_before
  FROM block AS b LEFT JOIN marks AS m ON m.event_id = b.event_id AND m.source = b.source
),
judged AS (
  SELECT *,
    multiIf(NOT complete, 'incomplete', (has_mark AND t <= mark_t) OR t <= newest_before, 'stale', '') AS skip_reason
  FROM ordered
),
diffed AS (
  SELECT *, toUInt32(row_number() OVER w) AS i,
    lagInFrame(snapshot_id, 1, '') OVER w AS lag_id, lagInFrame(t, 1) OVER w AS lag_t
  FROM judged WHERE skip_reason = ''
  WINDOW w AS (PARTITION BY event_id, source ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)`;

const LIFECYCLE_SNAPSHOTS = `WITH ${JUDGED}
SELECT j.event_id AS event_id, j.source AS source, j.snapshot_id AS snapshot_id, j.t AS scraped_at,
  j.listings AS listings, j.expected AS expected_listings, j.rejected_items AS rejected_items,
  j.skip_reason = '' AS diffed, j.skip_reason AS skip_reason,
  multiIf(j.skip_reason != '', '', d.i > 1, d.lag_id, j.has_mark, j.mark_id, '') AS previous_snapshot_id,
  multiIf(j.skip_reason != '', NULL, d.i > 1, d.lag_t, j.has_mark, j.mark_t, NULL) AS previous_at,
  j.p AS kafka_partition, j.o AS kafka_offset
FROM judged AS j LEFT JOIN diffed AS d ON d.o = j.o`;

const price = (c: string) =>
  `if(isNotNull(${c}) AND assumeNotNull(${c}) BETWEEN 1 AND ${MAX_PRICE_CENTS}, toUInt32(assumeNotNull(${c})), NULL)`;

const FOLD = `
keys AS (
  SELECT event_id, source, has_mark, mark_t, mark_id, window_h, cutoff_m, toUInt32(count()) AS n,
    arraySort(x -> x.1, groupArray((i, t, snapshot_id, o, starts))) AS seq,
    arrayMap(x -> x.2, seq) AS ts, arrayMap(x -> x.3, seq) AS ids, arrayMap(x -> x.4, seq) AS offs,
    arrayMap(x -> x.5, seq) AS start_times
  FROM diffed
  GROUP BY event_id, source, has_mark, mark_t, mark_id, window_h, cutoff_m
),
-- What each listing was in each diffed snapshot; a repeated id counts once (its first entry), and
-- a quantity below 1 is not on sale.
obs AS (
  SELECT event_id, source, x.1 AS listing_id, groupArray((i, x.2, x.3, x.4, x.5, x.6, x.7)) AS seen
  FROM (
    SELECT l.event_id AS event_id, l.source AS source, toUInt32(indexOf(k.offs, l.kafka_offset)) AS i,
      arrayFilter(x -> x.6 >= 1, arrayFlatten(arrayMap(z -> arrayMap(s -> arrayMap(li -> (li.listing_id, z.zone_id,
        z.name, s.name, li.row, li.quantity, ${price('li.all_in_price_cents')}), s.listings), z.sections), l.zones))) AS all_l
    FROM ${LANDING} AS l INNER JOIN keys AS k ON k.event_id = l.event_id AND k.source = l.source
    WHERE i > 0
  )
  ARRAY JOIN all_l AS x, arrayEnumerateUniq(all_l.1) AS occurrence
  WHERE occurrence = 1
  GROUP BY event_id, source, listing_id
),
pre AS (
  SELECT event_id, source, listing_id, argMax(if(${OWN_ROW}, prev, state), version) AS s0
  FROM ${STATE}
  WHERE (event_id, source) IN (SELECT event_id, source FROM ${LANDING})
  GROUP BY event_id, source, listing_id
),
lists AS (
  SELECT event_id, source, listing_id, o.seen AS seen, CAST(p.s0 AS ${STATE_TYPE}) AS s0
  FROM obs AS o FULL OUTER JOIN pre AS p USING (event_id, source, listing_id)
  WHERE length(seen) > 0 OR s0.present
),
listing_steps AS (${RULE_STAGES.reduce(
  (inner, stage) => `SELECT *, ${stage.map(([name, expr]) => `${expr} AS ${name}`).join(',\n    ')}\n  FROM (${inner})`,
  `SELECT x.event_id AS event_id, x.source AS source, x.listing_id AS listing_id, x.s0 AS s0, k.n AS n,
      k.ts AS ts, k.ids AS ids, k.offs AS offs, k.start_times AS starts, k.has_mark AS has_mark, k.mark_t AS mark_t,
      k.mark_id AS mark_id, k.window_h AS window_h,
      -- Per diffed snapshot: whether the listing is in it, and as what (rules-sql.ts).
      arrayMap(i -> indexOf(arrayMap(e -> e.1, x.seen), i), range(toUInt32(1), k.n + 1)) AS at,
      arrayMap(j -> j > 0, at) AS at_has,
      arrayMap(j -> toUInt32(if(j = 0, 0, x.seen[j].6)), at) AS at_qty,
      arrayMap(j -> if(j = 0, NULL, x.seen[j].7), at) AS at_price,
      arrayMap(j -> (x.seen[j].2, x.seen[j].3, x.seen[j].4, x.seen[j].5), at) AS at_where,
      arrayMap((t, s) -> isNotNull(s) AND t >= assumeNotNull(s) - toIntervalMinute(k.cutoff_m), k.ts, k.start_times) AS near
    FROM lists AS x INNER JOIN keys AS k ON k.event_id = x.event_id AND k.source = x.source`,
)}
)`;

const daysToEvent = (start: string, t: string) =>
  `if(isNull(${start}), NULL, toInt32(floor((toUnixTimestamp64Milli(assumeNotNull(${start})) - toUnixTimestamp64Milli(${t})) / 86400000)))`;

const LISTING_DIFF = `WITH ${JUDGED},${FOLD}
SELECT event_id, source, listing_id,
  toUInt64(toUnixTimestamp64Milli(ts[emitted[-1].1])) AS version,
  toUInt32(block_p) AS kafka_partition, offs[emitted[-1].1] AS kafka_offset,
  ${STATE_AFTER} AS state, s0 AS prev,
  arrayMap((i, k) -> arrayMap(w -> (${CHANGE.kind}, ts[i], if(i > 1, ts[i - 1], if(has_mark, mark_t, NULL)), ids[i],
      if(i > 1, ids[i - 1], if(has_mark, mark_id, '')), w.1, w.2, w.3, w.4,
      ${CHANGE.quantity_before}, ${CHANGE.quantity}, ${CHANGE.price_before_cents}, ${CHANGE.price_cents},
      ${CHANGE.tickets_sold}, ${CHANGE.sale_price_cents}, ${CHANGE.sale_at}, ${CHANGE.removed_at},
      ${CHANGE.listed_at}, ${CHANGE.excluded_reason}, ${daysToEvent('starts[i]', 'ts[i]')},
      toUInt32(block_p), offs[i]), [${CHANGE.where}])[1],
    arrayMap(e -> e.1, emitted), arrayMap(e -> e.2, emitted)) AS changes
FROM listing_steps
WHERE length(emitted) > 0`;

const LISTING_CHANGES = `
SELECT lower(hex(cityHash64(d.source, d.event_id, d.listing_id, c.snapshot_id, c.kind))) AS change_id,
  d.event_id AS event_id, d.source AS source, d.listing_id AS listing_id, c.kind AS kind,
  c.changed_at AS changed_at, c.previous_at AS previous_at, c.snapshot_id AS snapshot_id,
  c.previous_snapshot_id AS previous_snapshot_id, c.zone_id AS zone_id, c.zone AS zone, c.section AS section,
  c.row AS row, c.quantity_before AS quantity_before, c.quantity AS quantity,
  c.price_before_cents AS price_before_cents, c.price_cents AS price_cents,
  multiIf(c.kind != 'price_change', '', assumeNotNull(c.price_cents) < assumeNotNull(c.price_before_cents), 'down', 'up') AS direction,
  c.tickets_sold AS tickets_sold, c.sale_price_cents AS sale_price_cents, c.sale_at AS sale_at,
  c.removed_at AS removed_at, c.listed_at AS listed_at, c.excluded_reason AS excluded_reason,
  c.days_to_event AS days_to_event, c.kafka_partition AS kafka_partition, c.kafka_offset AS kafka_offset
FROM ${DIFF} AS d
ARRAY JOIN d.changes AS c`;

const LISTING_STATE = `
SELECT event_id, source, listing_id, version, kafka_partition, kafka_offset, state, prev FROM ${DIFF}`;

/** Downstream views first, so no insert ever passes a created view with nothing under it. */
export function lifecycleViews(): ManagedView[] {
  return [
    { name: 'listing_diff_to_listing_changes', to: TABLES.listingChanges, select: LISTING_CHANGES },
    { name: 'listing_diff_to_listing_state', to: STATE, select: LISTING_STATE },
    { name: 'lifecycle_landing_to_lifecycle_snapshots', to: SNAPSHOTS, select: LIFECYCLE_SNAPSHOTS },
    { name: 'lifecycle_landing_to_listing_diff', to: DIFF, select: LISTING_DIFF },
  ];
}
