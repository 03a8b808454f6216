import { z } from '@hono/zod-openapi';
import { EventId, IsoInstant, IsoTime, PrintableText, QueryBool, QueryInt } from './common.ts';
import { SourceName } from './sources.ts';

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
    source: z.string().openapi({ description: 'The primary source (the first of `sources`)' }),
    source_event_id: z.string().openapi({ description: "The primary source's id of the event" }),
    sources: z
      .array(z.strictObject({ source: z.string(), source_event_id: z.string() }))
      .openapi({ description: 'Every source the event is scraped on, with its id there, the primary first' }),
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

const SourceEventId = z
  .string()
  .regex(SOURCE_EVENT_ID_RE, 'must be 1-128 letters, digits, "_", ".", ":" or "-"')
  .openapi({ example: '5123456' });

/** The sources of an event: one id per source, the primary first. */
const EventSources = z
  .array(z.strictObject({ source: SourceName, source_event_id: SourceEventId }))
  .min(1)
  .max(16)
  .refine((list) => new Set(list.map((r) => r.source)).size === list.length, 'each source at most once')
  .openapi({
    description: 'Every source the event is on, with its id there; the first is the primary',
    example: [
      { source: 'vividseats', source_event_id: '5123456' },
      { source: 'gametime', source_event_id: '66b0c3e2f1a4d5b6c7d8e9f0' },
    ],
  });

const eventFields = {
  source: SourceName.optional().openapi({ description: 'The primary source; or give `sources`' }),
  source_event_id: SourceEventId.optional().openapi({ description: "The primary source's id of the event" }),
  sources: EventSources.optional(),
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
    event_id: EventId.optional().openapi({ description: 'Defaults to "<source>-<source_event_id>" of the primary' }),
    ...eventFields,
  })
  .superRefine((b, ctx) => {
    // One source by the pair, several by `sources`, or both (the pair is then the primary).
    for (const [field, other] of [
      ['source', 'source_event_id'],
      ['source_event_id', 'source'],
    ] as const)
      if (b[field] === undefined && b[other] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `give ${field} with ${other}` });
    if (b.source === undefined && b.sources === undefined)
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'give source and source_event_id, or sources' });
  })
  .openapi('NewEvent');

export const EventPatchBody = z
  .strictObject({
    source: eventFields.source,
    source_event_id: eventFields.source_event_id,
    sources: eventFields.sources.openapi({ description: 'Replaces the list of sources; the first is the primary' }),
    name: eventFields.name.optional(),
    venue: eventFields.venue.optional(),
    timezone: eventFields.timezone.optional(),
    starts_at: IsoInstant.optional(),
    capacity: eventFields.capacity,
    active: eventFields.active,
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change')
  .openapi('EventPatch');
