// Trend endpoints of one zone of one event: price, group price, inventory and candles. Each answers
// 404 for an unknown event or zone (checked only when the trend is empty), resolves the time range (api/trends/windows.ts),
// asks one question of api/queries/trends.ts and shapes the answer with the pure functions of
// api/trends/. Answers are JSON or CSV, carry a strong ETag and are cacheable once closed.
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import type { CatalogEventView } from '../../lib/catalog/catalog.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { sendTrend, wantsCsv } from '../format/respond.ts';
import { candles, groupPriceTrend, inventoryTrend, priceTrend, type WindowQuery } from '../queries/trends.ts';
import { zoneExists } from '../queries/zones.ts';
import { EventIdParams } from '../schemas/common.ts';
import { parseInstant, toIso } from '../schemas/time.ts';
import {
  CandlesSchema,
  GroupPriceTrendSchema,
  GroupTrendQuery,
  InventoryTrendSchema,
  PriceTrendSchema,
  TrendQuery,
} from '../schemas/trends.ts';
import { summarizeTrend } from '../trends/direction.ts';
import { availabilityRate, rangePeak, sellThrough } from '../trends/inventory.ts';
import { centsToUsd, round2 } from '../trends/money.ts';
import { resolveRange, type ResolvedRange } from '../trends/windows.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404 } from './common.ts';

const round2OrNull = (x: number | null): number | null => (x === null ? null : round2(x));

function ok(schema: z.ZodType, description: string) {
  return {
    description: `${description}. JSON, or the points as CSV with format=csv or Accept: text/csv. Strong ETag; Cache-Control: public, max-age=300 when every window of the range has closed, else no-cache.`,
    content: {
      'application/json': { schema },
      'text/csv': { schema: { type: 'string' as const } },
    },
  };
}

export function trendRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const { store, catalog } = deps;
  const privateOnly = deps.config.readAuth === 'key';
  const middleware = [deps.auth.read, etag()];

  /** The range must be valid; returns it and the window query. */
  function prepare(
    eventId: string,
    q: { zone: string; from?: string | undefined; to?: string | undefined; granularity: 'hourly' | 'daily' },
  ): { range: ResolvedRange; wq: WindowQuery } {
    const range = resolveRange(
      {
        from: q.from === undefined ? undefined : parseInstant(q.from)!,
        to: q.to === undefined ? undefined : parseInstant(q.to)!,
      },
      q.granularity,
      deps.now(),
      deps.config.maxRangeDays,
    );
    return {
      range,
      wq: { eventId, zone: q.zone, granularity: q.granularity, start: range.start, end: range.end },
    };
  }

  /**
   * The trend query runs first and alone: a zone with points exists, so a request with points costs
   * one query, as the direct-query floor does (bench, issue 7). Only an empty answer pays for the
   * checks that tell an empty range (200) from an unknown event or zone (404).
   */
  async function existing<R>(eventId: string, zone: string, rows: R[]): Promise<R[]> {
    if (rows.length > 0) return rows;
    await assertZone(eventId, zone);
    return rows;
  }

  async function assertZone(eventId: string, zone: string): Promise<CatalogEventView> {
    const [event, zoneFound] = await Promise.all([catalog.get(eventId), zoneExists(store, eventId, zone)]);
    if (!event) throw new NotFoundError(`event ${eventId} not found`);
    if (!zoneFound) throw new NotFoundError(`event ${eventId} has no zone with that name`);
    return event;
  }

  const head = (eventId: string, zone: string, granularity: 'hourly' | 'daily', range: ResolvedRange) => ({
    event_id: eventId,
    zone,
    granularity,
    from: toIso(range.from),
    to: toIso(range.to),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/price-trend',
      tags: ['trends'],
      summary: 'Lowest and average price per window, with the trend',
      middleware,
      security: deps.security.read,
      request: { params: EventIdParams, query: TrendQuery },
      responses: { 200: ok(PriceTrendSchema, 'Price points in time order'), ...COMMON_ERRORS, ...E404 },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const q = c.req.valid('query');
      const { range, wq } = prepare(eventId, q);
      const rows = await existing(eventId, q.zone, await priceTrend(store, wq));
      const summary = summarizeTrend(rows.map((r) => r.min_price_cents));
      const points = rows.map((r) => ({
        t: toIso(r.t_ms),
        min_price: centsToUsd(r.min_price_cents),
        avg_price: centsToUsd(r.avg_price_cents),
      }));
      return sendTrend(
        c,
        {
          ...head(eventId, q.zone, q.granularity, range),
          points,
          trend: summary.trend,
          percent_change: round2OrNull(summary.percent_change),
        },
        { csv: wantsCsv(c, q.format), columns: ['t', 'min_price', 'avg_price'], closed: range.closed, privateOnly },
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/group-price-trend',
      tags: ['trends'],
      summary: 'Lowest total price of 2 or 4 seats together per window',
      middleware,
      security: deps.security.read,
      request: { params: EventIdParams, query: GroupTrendQuery },
      responses: {
        200: ok(GroupPriceTrendSchema, 'Group price points in time order; windows without such a listing are left out'),
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const q = c.req.valid('query');
      const { range, wq } = prepare(eventId, q);
      const rows = await existing(eventId, q.zone, await groupPriceTrend(store, { ...wq, groupSize: q.group_size }));
      const points = rows.map((r) => ({ t: toIso(r.t_ms), price: centsToUsd(r.price_cents)! }));
      return sendTrend(
        c,
        { ...head(eventId, q.zone, q.granularity, range), group_size: q.group_size, points },
        { csv: wantsCsv(c, q.format), columns: ['t', 'price'], closed: range.closed, privateOnly },
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/inventory-trend',
      tags: ['trends'],
      summary: 'Tickets and listings per window, availability and sell-through',
      middleware,
      security: deps.security.read,
      request: { params: EventIdParams, query: TrendQuery },
      responses: { 200: ok(InventoryTrendSchema, 'Inventory points in time order'), ...COMMON_ERRORS, ...E404 },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const q = c.req.valid('query');
      const { range, wq } = prepare(eventId, q);
      const rows = await inventoryTrend(store, wq);
      const capacity = rows.length > 0 ? rows[0]!.capacity : (await assertZone(eventId, q.zone)).capacity;
      const peak = rangePeak(rows.map((r) => r.tickets_peak));
      const points = rows.map((r) => ({
        t: toIso(r.t_ms),
        tickets: r.tickets_last,
        listings: r.listings_last,
        tickets_avg: round2(r.tickets_avg),
        tickets_peak: r.tickets_peak,
        availability_rate: round2OrNull(availabilityRate(r.tickets_last, capacity)),
        sell_through: round2OrNull(sellThrough(peak, r.tickets_last)),
      }));
      return sendTrend(
        c,
        { ...head(eventId, q.zone, q.granularity, range), capacity, peak_tickets: peak, points },
        {
          csv: wantsCsv(c, q.format),
          columns: ['t', 'tickets', 'listings', 'tickets_avg', 'tickets_peak', 'availability_rate', 'sell_through'],
          closed: range.closed,
          privateOnly,
        },
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/candles',
      tags: ['trends'],
      summary: 'Open, high, low and close of the get-in price per window',
      middleware,
      security: deps.security.read,
      request: { params: EventIdParams, query: TrendQuery },
      responses: {
        200: ok(CandlesSchema, 'Candles in time order; windows without a priced scrape are left out'),
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const q = c.req.valid('query');
      const { range, wq } = prepare(eventId, q);
      const rows = await existing(eventId, q.zone, await candles(store, wq));
      const points = rows.map((r) => ({
        t: toIso(r.t_ms),
        open: centsToUsd(r.open_cents)!,
        high: centsToUsd(r.high_cents)!,
        low: centsToUsd(r.low_cents)!,
        close: centsToUsd(r.close_cents)!,
      }));
      return sendTrend(
        c,
        { ...head(eventId, q.zone, q.granularity, range), points },
        {
          csv: wantsCsv(c, q.format),
          columns: ['t', 'open', 'high', 'low', 'close'],
          closed: range.closed,
          privateOnly,
        },
      );
    },
  );

  return app;
}
