// GET /v1/events/{eventId}/zones: every zone of the event with the metrics of its latest scrape.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../lib/errors.ts';
import { eventSources } from '../../lib/sources/event-sources.ts';
import { latestZones } from '../queries/zones.ts';
import { EventIdParams } from '../schemas/common.ts';
import { SourceParam } from '../schemas/sources.ts';
import { toIso } from '../schemas/time.ts';
import { ZoneListSchema } from '../schemas/trends.ts';
import { centsToUsd } from '../trends/money.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404 } from './common.ts';

export function zoneRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/zones',
      tags: ['trends'],
      summary: 'Zones of an event with their latest metrics',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { params: EventIdParams, query: z.object({ source: SourceParam }) },
      responses: {
        200: { description: 'Zones by name', content: { 'application/json': { schema: ZoneListSchema } } },
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const { source } = c.req.valid('query');
      const [event, rows] = await Promise.all([deps.catalog.get(eventId), latestZones(deps.store, eventId, source)]);
      if (!event) throw new NotFoundError(`event ${eventId} not found`);
      if (source !== 'all' && !eventSources(event).some((s) => s.source === source))
        throw new NotFoundError(`event ${eventId} is not on source ${source}`);
      c.header('Cache-Control', 'no-cache');
      return c.json(
        {
          event_id: eventId,
          source,
          zones: rows.map((r) => ({
            zone_id: r.zone_id,
            zone: r.zone,
            scraped_at: toIso(r.scraped_at_ms),
            sections: r.sections,
            days_to_event: r.days_to_event,
            lowest_price: centsToUsd(r.lowest_price_cents),
            lowest_base_price: centsToUsd(r.lowest_base_price_cents),
            average_price: centsToUsd(r.average_price_cents),
            median_price: centsToUsd(r.median_price_cents),
            highest_price: centsToUsd(r.highest_price_cents),
            lowest_price_2: centsToUsd(r.lowest_price_2_cents),
            lowest_price_4: centsToUsd(r.lowest_price_4_cents),
            priced_listings: r.priced_listings,
            total_tickets: r.total_tickets,
            total_listings: r.total_listings,
            available: Boolean(r.available),
            outlier_listings: r.outlier_listings,
          })),
        },
        200,
      );
    },
  );
  return app;
}
