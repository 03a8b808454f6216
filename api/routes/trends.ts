// Trend endpoints of one zone of one event: price, group price, inventory and candles. Each answers
// 404 for an unknown event or zone (checked only when the trend is empty), resolves the time range (api/trends/windows.ts),
// asks one question of api/queries/trends.ts and shapes the answer with the pure functions of
// api/trends/. Answers are JSON or CSV, carry a strong ETag and are cacheable once closed.
// One factory (trendRoute) does what the four have in common; each endpoint states only its query,
// its schema and how its rows become the body.
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import type { CatalogEventView } from '../../lib/catalog/catalog.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { eventSources } from '../../lib/sources/event-sources.ts';
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
import { resolveRange } from '../trends/windows.ts';
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

type QuerySchema = typeof TrendQuery | typeof GroupTrendQuery;

/** What one trend endpoint states; trendRoute does the rest. */
interface TrendRouteSpec<S extends QuerySchema, R, P extends object> {
  /** The path after /events/{eventId}/. */
  name: string;
  summary: string;
  query: S;
  schema: z.ZodType;
  description: string;
  /** The one question of api/queries/trends.ts behind the endpoint. */
  rows(wq: WindowQuery, q: z.infer<S>): Promise<R[]>;
  /**
   * The body after the range fields, in the order it is sent. `event` is the catalog entry, known
   * only when the rows were empty (the 404 check read it).
   */
  body(rows: R[], q: z.infer<S>, event: CatalogEventView | undefined): { points: P[] } & Record<string, unknown>;
  /** The CSV columns of a point. */
  columns: readonly (keyof P & string)[];
}

export function trendRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const { store, catalog } = deps;
  const privateOnly = deps.config.readAuth === 'key';
  const middleware = [deps.auth.read, etag()];

  async function assertZone(eventId: string, zone: string, source: string): Promise<CatalogEventView> {
    const [event, zoneFound] = await Promise.all([catalog.get(eventId), zoneExists(store, eventId, zone, source)]);
    if (!event) throw new NotFoundError(`event ${eventId} not found`);
    if (source !== 'all' && !eventSources(event).some((s) => s.source === source))
      throw new NotFoundError(`event ${eventId} is not on source ${source}`);
    if (!zoneFound)
      throw new NotFoundError(`event ${eventId} has no zone with that name${source === 'all' ? '' : ` on ${source}`}`);
    return event;
  }

  function trendRoute<S extends QuerySchema, R, P extends object>(spec: TrendRouteSpec<S, R, P>): void {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/events/{eventId}/${spec.name}`,
        tags: ['trends'],
        summary: spec.summary,
        middleware,
        security: deps.security.read,
        request: { params: EventIdParams, query: spec.query as QuerySchema },
        responses: { 200: ok(spec.schema, spec.description), ...COMMON_ERRORS, ...E404 },
      }),
      async (c) => {
        const { eventId } = c.req.valid('param');
        const q = c.req.valid('query') as z.infer<S>;
        const range = resolveRange(
          {
            from: q.from === undefined ? undefined : parseInstant(q.from)!,
            to: q.to === undefined ? undefined : parseInstant(q.to)!,
          },
          q.granularity,
          deps.now(),
          deps.config.maxRangeDays,
        );
        const wq: WindowQuery = {
          eventId,
          zone: q.zone,
          source: q.source,
          granularity: q.granularity,
          start: range.start,
          end: range.end,
        };
        // The trend query runs first and alone: a zone with points exists, so a request with points
        // costs one query, as the direct-query floor does (bench, issue 7). Only an empty answer pays
        // for the checks that tell an empty range (200) from an unknown event or zone (404).
        const rows = await spec.rows(wq, q);
        const event = rows.length > 0 ? undefined : await assertZone(eventId, q.zone, q.source);
        const head = {
          event_id: eventId,
          zone: q.zone,
          source: q.source,
          granularity: q.granularity,
          from: toIso(range.from),
          to: toIso(range.to),
        };
        return sendTrend(
          c,
          { ...head, ...spec.body(rows, q, event) },
          { csv: wantsCsv(c, q.format), columns: spec.columns, closed: range.closed, privateOnly },
        );
      },
    );
  }

  trendRoute({
    name: 'price-trend',
    summary: 'Lowest and average price per window, with the trend',
    query: TrendQuery,
    schema: PriceTrendSchema,
    description: 'Price points in time order',
    rows: (wq) => priceTrend(store, wq),
    body: (rows) => {
      const summary = summarizeTrend(rows.map((r) => r.min_price_cents));
      return {
        points: rows.map((r) => ({
          t: toIso(r.t_ms),
          min_price: centsToUsd(r.min_price_cents),
          avg_price: centsToUsd(r.avg_price_cents),
        })),
        trend: summary.trend,
        percent_change: round2OrNull(summary.percent_change),
      };
    },
    columns: ['t', 'min_price', 'avg_price'],
  });

  trendRoute({
    name: 'group-price-trend',
    summary: 'Lowest total price of 2 or 4 seats together per window',
    query: GroupTrendQuery,
    schema: GroupPriceTrendSchema,
    description: 'Group price points in time order; windows without such a listing are left out',
    rows: (wq, q) => groupPriceTrend(store, { ...wq, groupSize: q.group_size }),
    body: (rows, q) => ({
      group_size: q.group_size,
      points: rows.map((r) => ({ t: toIso(r.t_ms), price: centsToUsd(r.price_cents)! })),
    }),
    columns: ['t', 'price'],
  });

  trendRoute({
    name: 'inventory-trend',
    summary: 'Tickets and listings per window, availability and sell-through',
    query: TrendQuery,
    schema: InventoryTrendSchema,
    description: 'Inventory points in time order',
    rows: async (wq) => {
      const [rows, capacity] = await Promise.all([inventoryTrend(store, wq), catalog.capacityOf(wq.eventId)]);
      return rows.map((r) => ({ ...r, capacity }));
    },
    body: (rows, _q, event) => {
      const capacity = rows.length > 0 ? rows[0]!.capacity : event!.capacity;
      const peak = rangePeak(rows.map((r) => r.tickets_peak));
      return {
        capacity,
        peak_tickets: peak,
        points: rows.map((r) => ({
          t: toIso(r.t_ms),
          tickets: r.tickets_last,
          listings: r.listings_last,
          tickets_avg: round2(r.tickets_avg),
          tickets_peak: r.tickets_peak,
          availability_rate: round2OrNull(availabilityRate(r.tickets_last, capacity)),
          sell_through: round2OrNull(sellThrough(peak, r.tickets_last)),
        })),
      };
    },
    columns: ['t', 'tickets', 'listings', 'tickets_avg', 'tickets_peak', 'availability_rate', 'sell_through'],
  });

  trendRoute({
    name: 'candles',
    summary: 'Open, high, low and close of the get-in price per window',
    query: TrendQuery,
    schema: CandlesSchema,
    description: 'Candles in time order; windows without a priced scrape are left out',
    rows: (wq) => candles(store, wq),
    body: (rows) => ({
      points: rows.map((r) => ({
        t: toIso(r.t_ms),
        open: centsToUsd(r.open_cents)!,
        high: centsToUsd(r.high_cents)!,
        low: centsToUsd(r.low_cents)!,
        close: centsToUsd(r.close_cents)!,
      })),
    }),
    columns: ['t', 'open', 'high', 'low', 'close'],
  });

  return app;
}
