// GET /v1/compare: several events' prices on one days-to-event axis, optionally indexed so that the
// stops of a tour line up (value ÷ its value `index` days out × 100).
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { NotFoundError } from '../../lib/errors.ts';
import { compareByDaysToEvent } from '../queries/compare.ts';
import { CompareQuery, CompareSchema } from '../schemas/market.ts';
import { toIso } from '../schemas/time.ts';
import { centsToUsd, round2 } from '../trends/money.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404 } from './common.ts';

export function compareRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const { store, catalog } = deps;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/compare',
      tags: ['market'],
      summary: 'Events compared on the days-to-event axis, optionally indexed',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { query: CompareQuery },
      responses: {
        200: {
          description: 'One series per event, in the order asked, points from the furthest day to the last',
          content: { 'application/json': { schema: CompareSchema } },
        },
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const events = await Promise.all(q.events.map((id) => catalog.get(id)));
      const missing = q.events.find((_, i) => !events[i]);
      if (missing !== undefined) throw new NotFoundError(`event ${missing} not found`);
      const rows = await compareByDaysToEvent(store, {
        events: q.events,
        ...(q.zone !== undefined && { zone: q.zone }),
        metric: q.metric,
      });
      const series = q.events.map((id, i) => {
        const own = rows.filter((r) => r.event_id === id);
        const base = q.index === undefined ? undefined : own.find((r) => r.days_to_event === q.index)?.value_cents;
        return {
          event_id: id,
          name: events[i]!.name,
          starts_at: toIso(events[i]!.starts_at),
          index_base: base === undefined ? null : centsToUsd(base),
          points: own.map((r) => ({
            days_to_event: r.days_to_event,
            value: centsToUsd(r.value_cents)!,
            indexed: base === undefined || base === 0 ? null : round2((r.value_cents / base) * 100),
          })),
        };
      });
      return c.json({ metric: q.metric, by: q.by, zone: q.zone ?? null, index: q.index ?? null, series }, 200);
    },
  );
  return app;
}
