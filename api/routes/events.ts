// /v1/events: the event catalog (lib/catalog/catalog.ts). Writes need an API key; DELETE is a soft
// delete (active=false) and returns the event.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { CatalogEventView } from '../../lib/catalog/catalog.ts';
import { NotFoundError } from '../../lib/errors.ts';
import type { CatalogEvent } from '../../lib/model.ts';
import { eventSources } from '../../lib/sources/event-sources.ts';
import { EventIdParams } from '../schemas/common.ts';
import { EventListQuery, EventListSchema, EventPatchBody, EventSchema, NewEventBody } from '../schemas/events.ts';
import { parseInstant, toIso, toIsoOrNull } from '../schemas/time.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404, E409, E413 } from './common.ts';

export function eventJson(e: CatalogEvent | CatalogEventView) {
  return {
    event_id: e.event_id,
    source: e.source,
    source_event_id: e.source_event_id,
    sources: eventSources(e),
    name: e.name,
    venue: e.venue,
    timezone: e.timezone,
    starts_at: toIso(e.starts_at),
    capacity: e.capacity,
    active: e.active,
    created_at: toIso(e.created_at),
    updated_at: toIso(e.updated_at),
    version: e.version,
    ...('last_scraped_at' in e ? { last_scraped_at: toIsoOrNull(e.last_scraped_at) } : {}),
  };
}

const json = (schema: typeof EventSchema | typeof EventListSchema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function eventRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const { catalog } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events',
      tags: ['events'],
      summary: 'List tracked events',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { query: EventListQuery },
      responses: { 200: json(EventListSchema, 'Events by start time'), ...COMMON_ERRORS },
    }),
    async (c) => {
      const { active, limit, offset } = c.req.valid('query');
      const events = await catalog.list({ ...(active === undefined ? {} : { active }), limit, offset });
      return c.json({ events: events.map(eventJson), limit, offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/events',
      tags: ['events'],
      summary: 'Track a new event',
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: { body: { required: true, content: { 'application/json': { schema: NewEventBody } } } },
      responses: { 201: json(EventSchema, 'Created'), ...COMMON_ERRORS, ...E409, ...E413 },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const created = await catalog.create({
        ...(b.event_id === undefined ? {} : { event_id: b.event_id }),
        ...(b.source === undefined ? {} : { source: b.source }),
        ...(b.source_event_id === undefined ? {} : { source_event_id: b.source_event_id }),
        ...(b.sources === undefined ? {} : { sources: b.sources }),
        name: b.name,
        venue: b.venue,
        timezone: b.timezone,
        starts_at: parseInstant(b.starts_at)!,
        capacity: b.capacity ?? null,
        ...(b.active === undefined ? {} : { active: b.active }),
      });
      c.header('Location', `/v1/events/${encodeURIComponent(created.event_id)}`);
      return c.json(eventJson(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}',
      tags: ['events'],
      summary: 'One event',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { params: EventIdParams },
      responses: { 200: json(EventSchema, 'The event'), ...COMMON_ERRORS, ...E404 },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const event = await catalog.get(eventId);
      if (!event) throw new NotFoundError(`event ${eventId} not found`);
      return c.json(eventJson(event), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/events/{eventId}',
      tags: ['events'],
      summary: 'Change an event',
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: {
        params: EventIdParams,
        body: { required: true, content: { 'application/json': { schema: EventPatchBody } } },
      },
      responses: { 200: json(EventSchema, 'The changed event'), ...COMMON_ERRORS, ...E404, ...E413 },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const { starts_at, ...rest } = c.req.valid('json');
      const patch = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      const updated = await catalog.update(eventId, {
        ...patch,
        ...(starts_at === undefined ? {} : { starts_at: parseInstant(starts_at)! }),
      });
      return c.json(eventJson(updated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/events/{eventId}',
      tags: ['events'],
      summary: 'Stop tracking an event (soft delete: active=false)',
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: { params: EventIdParams },
      responses: { 200: json(EventSchema, 'The deactivated event'), ...COMMON_ERRORS, ...E404 },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      return c.json(eventJson(await catalog.deactivate(eventId)), 200);
    },
  );

  return app;
}
