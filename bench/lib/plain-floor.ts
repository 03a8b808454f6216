// The second floor of the API benchmark (issue 13): the cheapest possible answer to a trend request,
// a primary-key range read of the same rows from a plain MergeTree table of finalized values (no
// aggregate states to merge, no view, no join, one part). The first floor runs our own trend SQL,
// so it hides what that SQL costs; this one does not.
import type { Store } from '../../lib/clickhouse/store.ts';
import type { WindowQuery } from '../../api/queries/trends.ts';
import type { Endpoint } from './api-shape.ts';

export const PLAIN_FLOOR_TABLE = 'bench_plain_floor';

/**
 * Every trend endpoint's finalized values per (event, zone, hour), from what the API reads: the
 * rollups (price, inventory) and zone_snapshots (candles).
 */
export async function buildPlainFloor(store: Store): Promise<void> {
  await store.command(`CREATE TABLE ${PLAIN_FLOOR_TABLE} (
    event_id String, zone LowCardinality(String), hour DateTime('UTC'),
    min_price_cents Nullable(UInt32), avg_price_cents Nullable(Float64),
    tickets_last UInt32, listings_last UInt32, tickets_avg Float64, tickets_peak UInt32, capacity Nullable(UInt32),
    open_cents Nullable(UInt32), high_cents Nullable(UInt32), low_cents Nullable(UInt32), close_cents Nullable(UInt32),
    scrapes UInt64
  ) ENGINE = MergeTree ORDER BY (event_id, zone, hour)`);
  await store.command(`INSERT INTO ${PLAIN_FLOOR_TABLE}
    SELECT r.event_id, r.zone, r.hour, min(r.min_price_cents),
           if(sum(r.priced_listings) = 0, NULL, sum(r.sum_price_cents) / sum(r.priced_listings)),
           argMaxMerge(r.tickets_last), argMaxMerge(r.listings_last), sum(r.tickets_sum) / sum(r.scrapes),
           max(r.tickets_peak), any(e.capacity),
           any(c.open), any(c.high), any(c.low), any(c.close), any(c.scrapes)
    FROM zone_rollups_hourly AS r
    LEFT JOIN (SELECT event_id, argMax(capacity, version) AS capacity FROM events GROUP BY event_id) AS e
      ON e.event_id = r.event_id
    LEFT JOIN (SELECT event_id, zone, toStartOfHour(scraped_at) AS hour,
                      argMinIf(lowest_price_cents, scraped_at, isNotNull(lowest_price_cents)) AS open,
                      max(lowest_price_cents) AS high, min(lowest_price_cents) AS low,
                      argMaxIf(lowest_price_cents, scraped_at, isNotNull(lowest_price_cents)) AS close,
                      count() AS scrapes
               FROM zone_snapshots GROUP BY event_id, zone, hour) AS c
      ON c.event_id = r.event_id AND c.zone = r.zone AND c.hour = r.hour
    GROUP BY r.event_id, r.zone, r.hour`);
  // One part: the cheapest read there is.
  await store.command(`OPTIMIZE TABLE ${PLAIN_FLOOR_TABLE} FINAL`);
}

/** What each endpoint reads: the same rows and values as its trend query answers. */
const COLUMNS: Record<Endpoint, string> = {
  'price-trend': 'min_price_cents, avg_price_cents',
  'inventory-trend': 'tickets_last, listings_last, tickets_avg, tickets_peak, capacity',
  candles: 'open_cents, high_cents, low_cents, close_cents, scrapes',
};

const sql = (endpoint: Endpoint) => `
SELECT toUnixTimestamp(hour) * 1000 AS t_ms, ${COLUMNS[endpoint]} FROM ${PLAIN_FLOOR_TABLE}
WHERE event_id = {event_id:String} AND zone = {zone:String}
  AND hour >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC') AND hour < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')
  ${endpoint === 'candles' ? 'AND low_cents IS NOT NULL' : ''}
ORDER BY hour`;

export function plainFloorQuery(store: Store, endpoint: Endpoint, q: WindowQuery): Promise<unknown[]> {
  return store.query(sql(endpoint), { event_id: q.eventId, zone: q.zone, start_ms: q.start, end_ms: q.end });
}
