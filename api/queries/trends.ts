// The questions behind the trend endpoints, one function each. Every value is a bound parameter;
// the table (hourly or daily) and the group-size column are chosen by picking one of several fixed
// SQL texts, never by splicing a name into SQL (the seed's getGroupPriceTrends did that).
// Windows are selected by start: start_ms <= window start < end_ms, both aligned to the window.
//
// Price, group price and inventory merge the rollup tables (zone_rollups_hourly / _daily)
// themselves, with exactly the merges of the zone_hourly / zone_daily views but only the columns
// asked for: reading through a view cost about 5 ms of query analysis per request in chDB, as much as
// the rest of the read (issue 13, bench: the view's twenty merged columns are analysed even when one
// is selected). test/api/trend-sql.test.ts holds every answer equal to the views'.
//
// `source` picks the rollups: 'all' (the event over all its sources: zone_rollups_*) or one source
// (zone_source_rollups_*, with the source bound as a parameter). Two fixed texts per question.
import type { Store } from '../../lib/clickhouse/store.ts';
import type { Granularity } from '../trends/windows.ts';

export interface WindowQuery {
  eventId: string;
  zone: string;
  /** 'all' (the default) or a source name. */
  source?: string;
  granularity: Granularity;
  /** Aligned window starts: start <= t < end. */
  start: number;
  end: number;
}

const params = (q: WindowQuery) => ({
  event_id: q.eventId,
  zone: q.zone,
  ...(scopeOf(q) === 'source' && { source: q.source }),
  start_ms: q.start,
  end_ms: q.end,
});

/** Whose rows: every source of the event, or the one named by the `source` parameter. */
type Scope = 'all' | 'source';
function scopeOf(q: WindowQuery): Scope {
  return q.source === undefined || q.source === 'all' ? 'all' : 'source';
}
const SOURCE = `AND source = {source:String}`;

const HOURS = `event_id = {event_id:String} AND zone = {zone:String}
  AND hour >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC') AND hour < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')`;
const DAYS = `event_id = {event_id:String} AND zone = {zone:String}
  AND day >= toDate(fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC'))
  AND day < toDate(fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC'))`;
const HOUR_T = 'toUnixTimestamp(hour) * 1000';
const DAY_T = "toUnixTimestamp(toDateTime(day, 'UTC')) * 1000";

/** Per granularity and scope: the rollup table, its window column and time, and its range condition. */
const ROLLUP: Record<Scope, Record<Granularity, { table: string; window: string; t: string; where: string }>> = {
  all: {
    hourly: { table: 'zone_rollups_hourly', window: 'hour', t: HOUR_T, where: HOURS },
    daily: { table: 'zone_rollups_daily', window: 'day', t: DAY_T, where: DAYS },
  },
  source: {
    hourly: { table: 'zone_source_rollups_hourly', window: 'hour', t: HOUR_T, where: `${HOURS} ${SOURCE}` },
    daily: { table: 'zone_source_rollups_daily', window: 'day', t: DAY_T, where: `${DAYS} ${SOURCE}` },
  },
};

/** One row per window of the range, `columns` merged from the rollup's partial aggregates (alias r). */
const merged = (g: Granularity, columns: string, having = '', scope: Scope = 'all') => {
  const { table, window, t, where } = ROLLUP[scope][g];
  return `SELECT ${t} AS t_ms, ${columns} FROM ${table} AS r WHERE ${where} GROUP BY ${window}${having ? ` HAVING ${having}` : ''}`;
};

/** The same question for both scopes. */
const byScope = (sql: (scope: Scope) => string): Record<Scope, string> => ({ all: sql('all'), source: sql('source') });

// ---- price trend -------------------------------------------------------------------------------

export interface PriceRow {
  t_ms: number;
  min_price_cents: number | null;
  /** Weighted by listings: Σ sum_price_cents / Σ priced_listings over the window. */
  avg_price_cents: number | null;
}

const PRICE_COLUMNS = `min(r.min_price_cents) AS min_price_cents,
  if(sum(r.priced_listings) = 0, NULL, sum(r.sum_price_cents) / sum(r.priced_listings)) AS avg_price_cents`;
const PRICE_SQL: Record<Granularity, Record<Scope, string>> = {
  hourly: byScope((scope) => `${merged('hourly', PRICE_COLUMNS, '', scope)} ORDER BY t_ms`),
  daily: byScope((scope) => `${merged('daily', PRICE_COLUMNS, '', scope)} ORDER BY t_ms`),
};

export function priceTrend(store: Store, q: WindowQuery): Promise<PriceRow[]> {
  return store.query<PriceRow>(PRICE_SQL[q.granularity][scopeOf(q)], params(q));
}

// ---- group price trend -------------------------------------------------------------------------

export type GroupSize = 2 | 4;

export interface GroupPriceRow {
  t_ms: number;
  /** Lowest total for `group_size` seats bought together from one listing. */
  price_cents: number;
}

const groupPrice = (g: Granularity, column: 'min_price_2_cents' | 'min_price_4_cents') =>
  byScope((scope) => `${merged(g, `min(r.${column}) AS price_cents`, 'price_cents IS NOT NULL', scope)} ORDER BY t_ms`);
const GROUP_PRICE_SQL: Record<Granularity, Record<GroupSize, Record<Scope, string>>> = {
  hourly: { 2: groupPrice('hourly', 'min_price_2_cents'), 4: groupPrice('hourly', 'min_price_4_cents') },
  daily: { 2: groupPrice('daily', 'min_price_2_cents'), 4: groupPrice('daily', 'min_price_4_cents') },
};

/** Windows without any listing that sells `groupSize` seats together are left out. */
export function groupPriceTrend(store: Store, q: WindowQuery & { groupSize: GroupSize }): Promise<GroupPriceRow[]> {
  return store.query<GroupPriceRow>(GROUP_PRICE_SQL[q.granularity][q.groupSize][scopeOf(q)], params(q));
}

// ---- inventory trend ---------------------------------------------------------------------------

export interface InventoryRow {
  t_ms: number;
  /** Tickets (listings) at the last scrape of the window. */
  tickets_last: number;
  listings_last: number;
  /** Mean over the window's scrapes. */
  tickets_avg: number;
  tickets_peak: number;
}

// The event's capacity is not read here: a scalar subquery on events FINAL cost about 2 ms a
// request; the route takes it from the catalog's short cache (EventCatalog.capacityOf).
const INVENTORY_COLUMNS = `argMaxMerge(r.tickets_last) AS tickets_last, argMaxMerge(r.listings_last) AS listings_last,
  sum(r.tickets_sum) / sum(r.scrapes) AS tickets_avg, max(r.tickets_peak) AS tickets_peak`;
const INVENTORY_SQL: Record<Granularity, Record<Scope, string>> = {
  hourly: byScope((scope) => `${merged('hourly', INVENTORY_COLUMNS, '', scope)} ORDER BY t_ms`),
  daily: byScope((scope) => `${merged('daily', INVENTORY_COLUMNS, '', scope)} ORDER BY t_ms`),
};

export function inventoryTrend(store: Store, q: WindowQuery): Promise<InventoryRow[]> {
  return store.query<InventoryRow>(INVENTORY_SQL[q.granularity][scopeOf(q)], params(q));
}

// ---- candles -----------------------------------------------------------------------------------

export interface CandleRow {
  t_ms: number;
  open_cents: number;
  high_cents: number;
  low_cents: number;
  close_cents: number;
  scrapes: number;
}

// Open, high, low and close of the window's get-in price: the first, highest, lowest and last
// lowest_price_cents of its priced scrapes, and all its scrapes counted. One read of the zone rows
// (all sources: zone_snapshots_all_sources and zone_snapshots rows without a source, which never
// overlap; one source: its zone_snapshots rows),
// where the rollups have no high (their max_price_cents is the dearest listing, a different thing):
// it cost about half of what the rollup merged with a join of zone_snapshots did. Windows without a
// priced scrape have no candle.
const SCRAPES = `event_id = {event_id:String} AND zone = {zone:String}
  AND scraped_at >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')
  AND scraped_at < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')`;
const ZONE_ROWS: Record<Scope, string> = {
  all: `(SELECT scraped_at, lowest_price_cents FROM zone_snapshots_all_sources WHERE ${SCRAPES}
         UNION ALL
         SELECT scraped_at, lowest_price_cents FROM zone_snapshots WHERE ${SCRAPES} AND source = '')`,
  source: `(SELECT scraped_at, lowest_price_cents FROM zone_snapshots WHERE ${SCRAPES} ${SOURCE})`,
};
const candlesOf = (startOf: 'toStartOfHour' | 'toStartOfDay', scope: Scope) => `
SELECT toUnixTimestamp(${startOf}(scraped_at)) * 1000 AS t_ms,
       argMinIf(lowest_price_cents, scraped_at, isNotNull(lowest_price_cents)) AS open_cents,
       max(lowest_price_cents) AS high_cents, min(lowest_price_cents) AS low_cents,
       argMaxIf(lowest_price_cents, scraped_at, isNotNull(lowest_price_cents)) AS close_cents,
       count() AS scrapes
FROM ${ZONE_ROWS[scope]}
GROUP BY t_ms HAVING low_cents IS NOT NULL ORDER BY t_ms`;
const CANDLES_SQL: Record<Granularity, Record<Scope, string>> = {
  hourly: byScope((scope) => candlesOf('toStartOfHour', scope)),
  daily: byScope((scope) => candlesOf('toStartOfDay', scope)),
};

export function candles(store: Store, q: WindowQuery): Promise<CandleRow[]> {
  return store.query<CandleRow>(CANDLES_SQL[q.granularity][scopeOf(q)], params(q));
}
