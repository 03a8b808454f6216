// The trend questions read the rollup tables themselves (api/queries/trends.ts) instead of the
// zone_hourly / zone_daily views, and candles read zone_snapshots alone instead of the view joined to
// zone_snapshots (issue 13). Here, on a real chDB, every answer must equal what the views (and the
// join) answer, hourly and daily, for windows with several scrapes, unpriced scrapes and windows
// without any priced scrape. Rows go into zone_snapshots, and the materialized views fill the
// rollups, as when the consumers write (as test/api/seed.ts does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import type { Granularity } from '../../lib/model.ts';
import { candles, groupPriceTrend, inventoryTrend, priceTrend, type WindowQuery } from '../../api/queries/trends.ts';
import { testConfig } from '../helpers/env.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EVENT = 'evt-trend-sql';
const START = Date.UTC(2026, 9, 5); // three days of scrapes from here

let store: Store;

/** One scrape of one zone, as zone_snapshots holds it; `price` null is an unpriced scrape. */
function scrape(zone: string, at: number, price: number | null, n: number) {
  return {
    event_id: EVENT,
    scraped_at: chDateTime(at),
    snapshot_id: `snap-${zone}-${at}`,
    job_id: 'job-trend-sql',
    zone_id: `z-${zone}`,
    zone,
    sections: 2,
    days_to_event: 30,
    lowest_price_cents: price,
    lowest_base_price_cents: price === null ? null : Math.round(price * 0.8),
    average_price_cents: price === null ? null : price * 1.3,
    median_price_cents: price === null ? null : price + 50,
    highest_price_cents: price === null ? null : price * 3,
    lowest_price_2_cents: price === null || n % 3 === 0 ? null : price * 2 + (n % 7),
    lowest_price_4_cents: price === null || n % 4 === 0 ? null : price * 4 + (n % 5),
    sum_price_cents: price === null ? 0 : price * 10 + n,
    priced_listings: price === null ? 0 : 10,
    total_tickets: 100 + ((n * 37) % 60),
    total_listings: 30 + (n % 9),
    available: true,
    outlier_listings: n % 2,
    rejected_listings: 0,
    kafka_partition: 0,
    kafka_offset: n,
  };
}

/** Scrapes every 20 minutes over three days, prices wandering; hour 5 of each day is unpriced. */
function scrapes() {
  const out: ReturnType<typeof scrape>[] = [];
  let n = 0;
  for (const zone of ['Floor', 'Balcony'])
    for (let t = START; t < START + 3 * DAY; t += 20 * 60_000) {
      const hourOfDay = new Date(t).getUTCHours();
      const unpriced = hourOfDay === 5 || n % 11 === 0;
      out.push(scrape(zone, t, unpriced ? null : 4_000 + ((n * 7919) % 3_000), n++));
    }
  return out;
}

beforeAll(async () => {
  const cfg = testConfig();
  store = await createStore(cfg.clickhouse);
  await migrate(store);
  // In two inserts, alternating: most windows get rows of both, as from two consumer ranges.
  const all = scrapes();
  await store.insert(
    'zone_snapshots',
    all.filter((_, i) => i % 2 === 0),
  );
  await store.insert(
    'zone_snapshots',
    all.filter((_, i) => i % 2 === 1),
  );
  await store.insert('events', [
    {
      event_id: EVENT,
      source: 'simulated',
      source_event_id: '1',
      name: 'Trend SQL',
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: chDateTime(START + 40 * DAY),
      capacity: 2_000,
      active: true,
      created_at: chDateTime(START),
      updated_at: chDateTime(START),
      version: 1,
    },
  ]);
}, 120_000);

afterAll(async () => {
  await store?.close();
});

const params = (q: WindowQuery) => ({ event_id: q.eventId, zone: q.zone, start_ms: q.start, end_ms: q.end });

/** The answers as the views (and, for the candles' highs, zone_snapshots) give them: the reference. */
function reference(g: Granularity) {
  const view = g === 'hourly' ? 'zone_hourly' : 'zone_daily';
  const w = g === 'hourly' ? 'hour' : 'day';
  const t = g === 'hourly' ? 'toUnixTimestamp(hour) * 1000' : "toUnixTimestamp(toDateTime(day, 'UTC')) * 1000";
  const range =
    g === 'hourly'
      ? `hour >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC') AND hour < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')`
      : `day >= toDate(fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')) AND day < toDate(fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC'))`;
  const where = `event_id = {event_id:String} AND zone = {zone:String} AND ${range}`;
  const startOf = g === 'hourly' ? 'toStartOfHour' : 'toStartOfDay';
  return {
    price: `SELECT ${t} AS t_ms, min_price_cents, avg_price_cents FROM ${view} WHERE ${where} ORDER BY ${w}`,
    group: (size: 2 | 4) =>
      `SELECT ${t} AS t_ms, min_price_${size}_cents AS price_cents FROM ${view}
       WHERE ${where} AND min_price_${size}_cents IS NOT NULL ORDER BY ${w}`,
    inventory: `SELECT ${t} AS t_ms, tickets_last, listings_last, tickets_avg, tickets_peak FROM ${view} WHERE ${where} ORDER BY ${w}`,
    candles: `
      SELECT r.t_ms AS t_ms, r.open_cents AS open_cents, h.high_cents AS high_cents, r.low_cents AS low_cents,
             r.close_cents AS close_cents, r.scrapes AS scrapes
      FROM (SELECT ${t} AS t_ms, open_price_cents AS open_cents, min_price_cents AS low_cents,
                   close_price_cents AS close_cents, scrapes
            FROM ${view} WHERE ${where} AND min_price_cents IS NOT NULL) AS r
      LEFT JOIN (SELECT toUnixTimestamp(${startOf}(scraped_at)) * 1000 AS t_ms, max(lowest_price_cents) AS high_cents
                 FROM zone_snapshots
                 WHERE event_id = {event_id:String} AND zone = {zone:String}
                   AND scraped_at >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')
                   AND scraped_at < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')
                 GROUP BY t_ms) AS h ON h.t_ms = r.t_ms
      ORDER BY t_ms`,
  };
}

describe('trend SQL on the rollups equals the views', () => {
  for (const g of ['hourly', 'daily'] as const)
    for (const zone of ['Floor', 'Balcony'])
      it(`${g}, ${zone}: price, group price, inventory and candles`, async () => {
        const q: WindowQuery = {
          eventId: EVENT,
          zone,
          source: 'all',
          granularity: g,
          start: START,
          end: START + 3 * DAY,
        };
        const ref = reference(g);
        const p = params(q);
        const price = await priceTrend(store, q);
        expect(price.length).toBe(g === 'hourly' ? 72 : 3);
        expect(price.some((r) => r.min_price_cents === null)).toBe(g === 'hourly'); // the unpriced hours
        expect(price).toEqual(await store.query(ref.price, p));
        for (const size of [2, 4] as const)
          expect(await groupPriceTrend(store, { ...q, groupSize: size })).toEqual(
            await store.query(ref.group(size), p),
          );
        expect(await inventoryTrend(store, q)).toEqual(await store.query(ref.inventory, p));
        const candleRows = await candles(store, q);
        expect(candleRows.length).toBeGreaterThan(0);
        expect(candleRows.every((c) => c.high_cents >= c.low_cents)).toBe(true);
        expect(candleRows).toEqual(await store.query(ref.candles, p));
      });
});
