// The questions behind the trend endpoints, one function each. Every value is a bound parameter;
// the table (hourly or daily) and the group-size column are chosen by picking one of several fixed
// SQL texts, never by splicing a name into SQL (the seed's getGroupPriceTrends did that).
// Windows are selected by start: start_ms <= window start < end_ms, both aligned to the window.
import type { Store } from '../../lib/clickhouse/store.ts';
import type { Granularity } from '../trends/windows.ts';

export interface WindowQuery {
  eventId: string;
  zone: string;
  granularity: Granularity;
  /** Aligned window starts: start <= t < end. */
  start: number;
  end: number;
}

const params = (q: WindowQuery) => ({ event_id: q.eventId, zone: q.zone, start_ms: q.start, end_ms: q.end });

const HOURS = `event_id = {event_id:String} AND zone = {zone:String}
  AND hour >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC') AND hour < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')`;
const DAYS = `event_id = {event_id:String} AND zone = {zone:String}
  AND day >= toDate(fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC'))
  AND day < toDate(fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC'))`;
const HOUR_T = 'toUnixTimestamp(hour) * 1000';
const DAY_T = "toUnixTimestamp(toDateTime(day, 'UTC')) * 1000";

// ---- price trend -------------------------------------------------------------------------------

export interface PriceRow {
  t_ms: number;
  min_price_cents: number | null;
  /** Weighted by listings: Σ sum_price_cents / Σ priced_listings over the window. */
  avg_price_cents: number | null;
}

const PRICE_SQL: Record<Granularity, string> = {
  hourly: `SELECT ${HOUR_T} AS t_ms, min_price_cents, avg_price_cents FROM zone_hourly WHERE ${HOURS} ORDER BY hour`,
  daily: `SELECT ${DAY_T} AS t_ms, min_price_cents, avg_price_cents FROM zone_daily WHERE ${DAYS} ORDER BY day`,
};

export function priceTrend(store: Store, q: WindowQuery): Promise<PriceRow[]> {
  return store.query<PriceRow>(PRICE_SQL[q.granularity], params(q));
}

// ---- group price trend -------------------------------------------------------------------------

export type GroupSize = 2 | 4;

export interface GroupPriceRow {
  t_ms: number;
  /** Lowest total for `group_size` seats bought together from one listing. */
  price_cents: number;
}

const GROUP_PRICE_SQL: Record<Granularity, Record<GroupSize, string>> = {
  hourly: {
    2: `SELECT ${HOUR_T} AS t_ms, min_price_2_cents AS price_cents FROM zone_hourly
        WHERE ${HOURS} AND min_price_2_cents IS NOT NULL ORDER BY hour`,
    4: `SELECT ${HOUR_T} AS t_ms, min_price_4_cents AS price_cents FROM zone_hourly
        WHERE ${HOURS} AND min_price_4_cents IS NOT NULL ORDER BY hour`,
  },
  daily: {
    2: `SELECT ${DAY_T} AS t_ms, min_price_2_cents AS price_cents FROM zone_daily
        WHERE ${DAYS} AND min_price_2_cents IS NOT NULL ORDER BY day`,
    4: `SELECT ${DAY_T} AS t_ms, min_price_4_cents AS price_cents FROM zone_daily
        WHERE ${DAYS} AND min_price_4_cents IS NOT NULL ORDER BY day`,
  },
};

/** Windows without any listing that sells `groupSize` seats together are left out. */
export function groupPriceTrend(store: Store, q: WindowQuery & { groupSize: GroupSize }): Promise<GroupPriceRow[]> {
  return store.query<GroupPriceRow>(GROUP_PRICE_SQL[q.granularity][q.groupSize], params(q));
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
  /** The event's venue capacity from the catalog (the same on every row), for availability. */
  capacity: number | null;
}

// Capacity rides along as a scalar subquery: one query per request, not two.
const INVENTORY_COLUMNS = `tickets_last, listings_last, tickets_avg, tickets_peak,
  (SELECT capacity FROM events FINAL WHERE event_id = {event_id:String} LIMIT 1) AS capacity`;
const INVENTORY_SQL: Record<Granularity, string> = {
  hourly: `SELECT ${HOUR_T} AS t_ms, ${INVENTORY_COLUMNS} FROM zone_hourly WHERE ${HOURS} ORDER BY hour`,
  daily: `SELECT ${DAY_T} AS t_ms, ${INVENTORY_COLUMNS} FROM zone_daily WHERE ${DAYS} ORDER BY day`,
};

export function inventoryTrend(store: Store, q: WindowQuery): Promise<InventoryRow[]> {
  return store.query<InventoryRow>(INVENTORY_SQL[q.granularity], params(q));
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

// Open, low and close come from the rollup (first, lowest and last get-in price of the window). The
// rollup has no highest get-in price (its max_price_cents is the dearest listing, a different thing),
// so `high` is max(lowest_price_cents) over the window's scrapes in zone_snapshots. Windows without a
// priced scrape have no candle.
const SCRAPES = `event_id = {event_id:String} AND zone = {zone:String}
  AND scraped_at >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')
  AND scraped_at < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')`;

const CANDLES_SQL: Record<Granularity, string> = {
  hourly: `
SELECT r.t_ms AS t_ms, r.open_cents AS open_cents, h.high_cents AS high_cents, r.low_cents AS low_cents,
       r.close_cents AS close_cents, r.scrapes AS scrapes
FROM (
  SELECT ${HOUR_T} AS t_ms, open_price_cents AS open_cents, min_price_cents AS low_cents,
         close_price_cents AS close_cents, scrapes
  FROM zone_hourly WHERE ${HOURS} AND min_price_cents IS NOT NULL
) AS r
LEFT JOIN (
  SELECT toUnixTimestamp(toStartOfHour(scraped_at)) * 1000 AS t_ms, max(lowest_price_cents) AS high_cents
  FROM zone_snapshots WHERE ${SCRAPES} GROUP BY t_ms
) AS h ON h.t_ms = r.t_ms
ORDER BY t_ms`,
  daily: `
SELECT r.t_ms AS t_ms, r.open_cents AS open_cents, h.high_cents AS high_cents, r.low_cents AS low_cents,
       r.close_cents AS close_cents, r.scrapes AS scrapes
FROM (
  SELECT ${DAY_T} AS t_ms, open_price_cents AS open_cents, min_price_cents AS low_cents,
         close_price_cents AS close_cents, scrapes
  FROM zone_daily WHERE ${DAYS} AND min_price_cents IS NOT NULL
) AS r
LEFT JOIN (
  SELECT toUnixTimestamp(toStartOfDay(scraped_at)) * 1000 AS t_ms, max(lowest_price_cents) AS high_cents
  FROM zone_snapshots WHERE ${SCRAPES} GROUP BY t_ms
) AS h ON h.t_ms = r.t_ms
ORDER BY t_ms`,
};

export function candles(store: Store, q: WindowQuery): Promise<CandleRow[]> {
  return store.query<CandleRow>(CANDLES_SQL[q.granularity], params(q));
}
