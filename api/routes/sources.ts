// GET /v1/sources: the registered marketplaces (lib/sources/registry.ts), for pickers and clients.
// GET /v1/events/{eventId}/sources: each of the event's sources now, all sources, and per zone the
// cheapest source.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { NotFoundError } from '../../lib/errors.ts';
import { eventSources } from '../../lib/sources/event-sources.ts';
import { SOURCES, sourceEntry } from '../../lib/sources/registry.ts';
import { sourcesNow } from '../queries/sources.ts';
import { EventIdParams } from '../schemas/common.ts';
import { EventSourcesSchema, SourceListSchema } from '../schemas/sources.ts';
import { toIso } from '../schemas/time.ts';
import { compareSources } from '../sources/compare.ts';
import { centsToUsd } from '../trends/money.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404 } from './common.ts';

const labelOf = (name: string) => (name === 'all' ? 'All sources' : (sourceEntry(name)?.label ?? name));

export function sourceRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sources',
      tags: ['sources'],
      summary: 'The marketplaces events can be scraped on',
      middleware: [deps.auth.read],
      security: deps.security.read,
      responses: {
        200: { description: 'The source registry', content: { 'application/json': { schema: SourceListSchema } } },
        ...COMMON_ERRORS,
      },
    }),
    (c) => c.json({ sources: SOURCES.map((s) => ({ name: s.name, label: s.label, event_id: s.eventId })) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/sources',
      tags: ['sources'],
      summary: "The event's sources side by side now: get-in prices, tickets, the cheapest source per zone",
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { params: EventIdParams },
      responses: {
        200: {
          description:
            "Each source's latest snapshot, then all sources (the latest all-sources rows: cross-site duplicates counted once in tickets and listings)",
          content: { 'application/json': { schema: EventSourcesSchema } },
        },
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const [event, rows] = await Promise.all([deps.catalog.get(eventId), sourcesNow(deps.store, eventId)]);
      if (!event) throw new NotFoundError(`event ${eventId} not found`);
      const { sources, zones } = compareSources(eventSources(event), rows);
      c.header('Cache-Control', 'no-cache');
      return c.json(
        {
          event_id: eventId,
          sources: sources.map((s) => ({
            source: s.source,
            label: labelOf(s.source),
            source_event_id: s.source_event_id,
            scraped_at: s.scraped_at_ms === null ? null : toIso(s.scraped_at_ms),
            get_in: centsToUsd(s.get_in_cents),
            get_in_2: centsToUsd(s.get_in_2_cents),
            get_in_4: centsToUsd(s.get_in_4_cents),
            tickets: s.tickets,
            listings: s.listings,
            duplicate_listings: s.duplicate_listings,
          })),
          zones: zones.map((z) => ({
            zone: z.zone,
            cheapest_source: z.cheapest_source,
            sources: z.sources.map((s) => ({
              source: s.source,
              get_in: centsToUsd(s.get_in_cents),
              get_in_2: centsToUsd(s.get_in_2_cents),
              get_in_4: centsToUsd(s.get_in_4_cents),
              tickets: s.tickets,
            })),
          })),
        },
        200,
      );
    },
  );
  return app;
}
