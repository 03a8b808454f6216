import { z } from '@hono/zod-openapi';
import { EventId, IsoInstant, IsoTime, PrintableText, QueryBool, QueryInt } from './common.ts';

const SOURCE_EVENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const TIMEZONE_RE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

export function isTimeZone(tz: string): boolean {
  if (!TIMEZONE_RE.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const EventSchema = z
  .strictObject({
    event_id: z.string(),
    source: z.string().openapi({ description: 'Marketplace: vividseats or simulated' }),
    source_event_id: z
      .string()
      .openapi({ description: "The marketplace's id of the event (Vivid Seats productionId)" }),
    name: z.string(),
    venue: z.string(),
    timezone: z.string().openapi({ description: 'IANA time zone of the venue, e.g. America/New_York' }),
    starts_at: IsoTime('When the event starts'),
    capacity: z.number().int().nullable().openapi({ description: 'Seats of the event; null when unknown' }),
    active: z.boolean().openapi({ description: 'Scraped while true; DELETE sets it to false' }),
    created_at: IsoTime('When the event was added'),
    updated_at: IsoTime('Last change'),
    version: z.number().int().openapi({ description: 'Increases with every change' }),
    last_scraped_at: IsoTime('Latest consumed scrape')
      .nullable()
      .optional()
      .openapi({ description: 'Latest consumed scrape (ISO-8601, UTC); null when never scraped. Present on reads.' }),
  })
  .openapi('Event');

export const EventListSchema = z
  .strictObject({ events: z.array(EventSchema), limit: z.number().int(), offset: z.number().int() })
  .openapi('EventList');

export const EventListQuery = z.object({
  active: QueryBool('Only active (true) or inactive (false) events; all when absent'),
  limit: QueryInt(1, 1000, 100, 'Page size'),
  offset: QueryInt(0, 1_000_000, 0, 'Events to skip'),
});

const eventFields = {
  source: z.enum(['vividseats', 'simulated']),
  source_event_id: z
    .string()
    .regex(SOURCE_EVENT_ID_RE, 'must be 1-128 letters, digits, "_", ".", ":" or "-"')
    .openapi({ example: '5123456' }),
  name: PrintableText(1, 300).openapi({ example: 'Hamilton' }),
  venue: PrintableText(1, 300).openapi({ example: 'Richard Rodgers Theatre' }),
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone such as America/New_York')
    .openapi({ example: 'America/New_York' }),
  starts_at: IsoInstant,
  capacity: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .nullable()
    .optional()
    .openapi({ description: 'Seats; null or absent when unknown' }),
  active: z.boolean().optional(),
};

export const NewEventBody = z
  .strictObject({
    event_id: EventId.optional().openapi({ description: 'Defaults to "<source>-<source_event_id>"' }),
    ...eventFields,
  })
  .openapi('NewEvent');

export const EventPatchBody = z
  .strictObject({
    source: eventFields.source.optional(),
    source_event_id: eventFields.source_event_id.optional(),
    name: eventFields.name.optional(),
    venue: eventFields.venue.optional(),
    timezone: eventFields.timezone.optional(),
    starts_at: IsoInstant.optional(),
    capacity: eventFields.capacity,
    active: eventFields.active,
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change')
  .openapi('EventPatch');
