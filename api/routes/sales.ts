// GET /v1/events/{eventId}/sales: the market signals of an event per zone and hourly or daily window
// (docs/metrics.md#market-signals): inferred sales and revenue, sell-through, new listings, price
// moves, days on market, realized against asking price. JSON or CSV, ETag, cacheable once closed.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import { NotFoundError } from '../../lib/errors.ts';
import { sendTrend, wantsCsv } from '../format/respond.ts';
import { salesWindows } from '../queries/sales.ts';
import { zoneExists } from '../queries/zones.ts';
import { EventIdParams } from '../schemas/common.ts';
import { SalesQuery, SalesSchema, type SalesPoint } from '../schemas/market.ts';
import { parseInstant, toIso } from '../schemas/time.ts';
import { centsToUsd, round2 } from '../trends/money.ts';
import { resolveRange } from '../trends/windows.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import type { z } from '@hono/zod-openapi';
import { COMMON_ERRORS, E404 } from './common.ts';

type Point = z.infer<typeof SalesPoint>;
const COLUMNS: readonly (keyof Point & string)[] = [
  't',
  'zone',
  'tickets_sold',
  'revenue',
  'sales',
  'inventory_start',
  'inventory_end',
  'tickets_added',
  'sell_through',
  'new_listings',
  'new_tickets',
  'returned_listings',
  'removed_listings',
  'price_cuts',
  'price_raises',
  'median_days_on_market',
  'realized_price',
  'asking_price',
];

export function salesRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const { store, catalog } = deps;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/sales',
      tags: ['market'],
      summary: 'Inferred sales, sell-through and price moves per zone and window',
      middleware: [deps.auth.read, etag()],
      security: deps.security.read,
      request: { params: EventIdParams, query: SalesQuery },
      responses: {
        200: {
          description:
            'Points per (window, zone) in time order; JSON, or the points as CSV with format=csv or Accept: text/csv. Strong ETag; cacheable once every window has closed.',
          content: { 'application/json': { schema: SalesSchema }, 'text/csv': { schema: { type: 'string' as const } } },
        },
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const q = c.req.valid('query');
      const range = resolveRange(
        {
          from: q.from === undefined ? undefined : parseInstant(q.from)!,
          to: q.to === undefined ? undefined : parseInstant(q.to)!,
        },
        q.granularity,
        deps.now(),
        deps.config.maxRangeDays,
      );
      const rows = await salesWindows(store, {
        eventId,
        ...(q.zone !== undefined && { zone: q.zone }),
        granularity: q.granularity,
        start: range.start,
        end: range.end,
      });
      // Only an empty answer pays for telling an empty range (200) from an unknown event or zone (404).
      if (rows.length === 0) {
        const [event, zone] = await Promise.all([
          catalog.get(eventId),
          q.zone === undefined ? true : zoneExists(store, eventId, q.zone),
        ]);
        if (!event) throw new NotFoundError(`event ${eventId} not found`);
        if (!zone) throw new NotFoundError(`event ${eventId} has no zone with that name`);
      }
      const points: Point[] = rows.map((r) => ({
        t: toIso(r.t_ms),
        zone: r.zone,
        tickets_sold: r.tickets_sold,
        revenue: centsToUsd(r.revenue_cents)!,
        sales: r.sales,
        inventory_start: r.inventory_start,
        inventory_end: r.inventory_end,
        tickets_added: r.tickets_added,
        sell_through: r.sell_through === null ? null : round2(r.sell_through * 100),
        new_listings: r.new_listings,
        new_tickets: r.new_tickets,
        returned_listings: r.returned_listings,
        removed_listings: r.removed_listings,
        price_cuts: r.price_cuts,
        price_raises: r.price_raises,
        median_days_on_market: r.median_days_on_market === null ? null : round2(r.median_days_on_market),
        realized_price: centsToUsd(r.realized_price_cents),
        asking_price: centsToUsd(r.asking_price_cents),
      }));
      const body = {
        event_id: eventId,
        zone: q.zone ?? null,
        granularity: q.granularity,
        from: toIso(range.from),
        to: toIso(range.to),
        points,
      };
      return sendTrend(c, body, {
        csv: wantsCsv(c, q.format),
        columns: COLUMNS,
        closed: range.closed,
        privateOnly: deps.config.readAuth === 'key',
      });
    },
  );
  return app;
}
