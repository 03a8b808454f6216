// GET /v1/events/{eventId}/listing-changes: an event's listing changes (docs/tables.md#listing_changes),
// filtered by kind, zone and time, a page at a time with an opaque keyset cursor.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { ListingChangeKind } from '../../lib/model.ts';
import { listingChangesPage, type ChangeRow } from '../queries/listing-changes.ts';
import { EventIdParams } from '../schemas/common.ts';
import { CHANGE_KINDS, ListingChangesQuery, ListingChangesSchema } from '../schemas/market.ts';
import { parseInstant, toIso, toIsoOrNull } from '../schemas/time.ts';
import { centsToUsd } from '../trends/money.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404 } from './common.ts';

type Cursor = { t: number; listingId: string; kind: ListingChangeKind };

/** The last row of a page as the next page's cursor: base64url of [changed_at ms, listing id, kind]. */
const cursorOf = (r: ChangeRow): string =>
  Buffer.from(JSON.stringify([Number(r.changed_ms), r.listing_id, r.kind])).toString('base64url');

function parseCursor(text: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      (CHANGE_KINDS as readonly unknown[]).includes(v[2])
    )
      return { t: v[0] as number, listingId: v[1], kind: v[2] as ListingChangeKind };
  } catch {
    // Falls through to the error below.
  }
  throw new ValidationError('cursor: not a cursor this endpoint returned', 'cursor');
}

const ms = (v: number | string | null) => (v === null ? null : Number(v));
const directionOf = (d: string): 'up' | 'down' | null => (d === 'up' || d === 'down' ? d : null);

export function listingChangeRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const { store, catalog } = deps;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{eventId}/listing-changes',
      tags: ['market'],
      summary: "An event's listing changes: new, repriced, partly sold, removed, returned",
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { params: EventIdParams, query: ListingChangesQuery },
      responses: {
        200: {
          description: 'One page of changes in (changed_at, listing_id, kind) order',
          content: { 'application/json': { schema: ListingChangesSchema } },
        },
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { eventId } = c.req.valid('param');
      const q = c.req.valid('query');
      const from = q.from === undefined ? undefined : parseInstant(q.from)!;
      const to = q.to === undefined ? undefined : parseInstant(q.to)!;
      if (from !== undefined && to !== undefined && from >= to)
        throw new ValidationError('`from` must be before `to`', 'to');
      const page = await listingChangesPage(store, {
        eventId,
        kinds: q.kind,
        ...(q.zone !== undefined && { zone: q.zone }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(q.cursor !== undefined && { after: parseCursor(q.cursor) }),
        limit: q.limit,
      });
      if (page.rows.length === 0 && q.cursor === undefined && !(await catalog.get(eventId)))
        throw new NotFoundError(`event ${eventId} not found`);
      return c.json(
        {
          event_id: eventId,
          changes: page.rows.map((r) => ({
            change_id: r.change_id,
            source: r.source,
            listing_id: r.listing_id,
            kind: r.kind,
            changed_at: toIso(Number(r.changed_ms)),
            previous_at: toIsoOrNull(ms(r.previous_ms)),
            snapshot_id: r.snapshot_id,
            zone_id: r.zone_id,
            zone: r.zone,
            section: r.section,
            row: r.row,
            quantity_before: r.quantity_before,
            quantity: r.quantity,
            price_before: centsToUsd(r.price_before_cents),
            price: centsToUsd(r.price_cents),
            direction: directionOf(r.direction),
            tickets_sold: r.tickets_sold,
            sale_price: centsToUsd(r.sale_price_cents),
            sale_at: toIso(Number(r.sale_ms)),
            removed_at: toIsoOrNull(ms(r.removed_ms)),
            listed_at: toIso(Number(r.listed_ms)),
            excluded_reason: r.excluded_reason,
            days_to_event: r.days_to_event,
          })),
          next_cursor: page.more ? cursorOf(page.rows.at(-1)!) : null,
        },
        200,
      );
    },
  );
  return app;
}
