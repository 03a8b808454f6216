// The question behind GET /v1/events/{id}/sales: the market signals of an event per zone and window,
// from the views market_hourly / market_daily (docs/metrics.md#market-signals). The views keep a
// running sum over every earlier window of a zone (the inventory at a window's start), so the event
// (and zone) are filtered inside and the range outside. Fixed SQL texts per granularity and zone
// filter; every value is a bound parameter.
import type { Store } from '../../lib/clickhouse/store.ts';
import type { Granularity } from '../trends/windows.ts';

export interface SalesQuery {
  eventId: string;
  /** One zone, or every zone of the event. */
  zone?: string;
  granularity: Granularity;
  /** Aligned window starts: start <= t < end. */
  start: number;
  end: number;
}

export interface SalesRow {
  t_ms: number;
  zone: string;
  tickets_sold: number;
  revenue_cents: number;
  sales: number;
  inventory_start: number;
  inventory_end: number;
  tickets_added: number;
  sell_through: number | null;
  new_listings: number;
  new_tickets: number;
  returned_listings: number;
  removed_listings: number;
  price_cuts: number;
  price_raises: number;
  median_days_on_market: number | null;
  realized_price_cents: number | null;
  asking_price_cents: number | null;
}

const COLUMNS = `zone, tickets_sold, revenue_cents, sales, inventory_start, inventory_end, tickets_added, sell_through,
  new_listings, new_tickets, returned_listings, removed_listings, price_cuts, price_raises, median_days_on_market,
  realized_price_cents, asking_price_cents`;

const sql = (g: Granularity, oneZone: boolean) => {
  const [view, t] =
    g === 'hourly'
      ? ['market_hourly', 'toUnixTimestamp(hour) * 1000']
      : ['market_daily', "toUnixTimestamp(toDateTime(day, 'UTC')) * 1000"];
  return `SELECT * FROM (
    SELECT ${t} AS t_ms, ${COLUMNS} FROM ${view}
    WHERE event_id = {event_id:String}${oneZone ? ' AND zone = {zone:String}' : ''}
  )
  WHERE t_ms >= {start_ms:Int64} AND t_ms < {end_ms:Int64}
  ORDER BY t_ms, zone`;
};

const SQL = {
  hourly: { one: sql('hourly', true), all: sql('hourly', false) },
  daily: { one: sql('daily', true), all: sql('daily', false) },
};

export async function salesWindows(store: Store, q: SalesQuery): Promise<SalesRow[]> {
  const rows = await store.query<SalesRow>(SQL[q.granularity][q.zone === undefined ? 'all' : 'one'], {
    event_id: q.eventId,
    ...(q.zone !== undefined && { zone: q.zone }),
    start_ms: q.start,
    end_ms: q.end,
  });
  return rows.map((r) => ({ ...r, t_ms: Number(r.t_ms) }));
}
