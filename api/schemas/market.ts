// Schemas of the market-signal endpoints: GET /v1/events/{id}/sales, /v1/events/{id}/listing-changes
// and /v1/compare (docs/metrics.md#market-signals, docs/api.md). The same zod schemas validate the
// requests and generate the OpenAPI document.
import { z } from '@hono/zod-openapi';
import type { ListingChangeKind } from '../../lib/model.ts';
import { EVENT_ID_RE, Granularity, IsoInstant, IsoTime, QueryInt, Usd } from './common.ts';
import { Zone } from './trends.ts';

export const CHANGE_KINDS: readonly ListingChangeKind[] = [
  'initial',
  'new',
  'price_change',
  'qty_drop',
  'qty_rise',
  'removed',
  'returned',
];

const Format = z
  .enum(['json', 'csv'])
  .optional()
  .openapi({ description: 'csv returns the points as CSV (also chosen by Accept: text/csv)' });

// ---- sales -------------------------------------------------------------------------------------

export const SalesQuery = z.object({
  zone: Zone.optional().openapi({ description: 'One zone (as listed by /zones); every zone of the event when absent' }),
  from: IsoInstant.optional().openapi({
    description: 'Start of the range (inclusive); default: `to` minus 7 days (hourly) or 90 days (daily)',
  }),
  to: IsoInstant.optional().openapi({ description: 'End of the range (exclusive); default: now' }),
  granularity: Granularity.default('daily'),
  format: Format,
});

const Int = (description: string) => z.number().int().openapi({ description });

export const SalesPoint = z.strictObject({
  t: IsoTime('Start of the window (UTC hour or day)'),
  zone: z.string(),
  tickets_sold: Int('Inferred tickets sold: partial sales and removals counted as sales, less removals that came back'),
  revenue: z.number().openapi({ description: 'Inferred revenue at the last listed all-in prices, USD' }),
  sales: Int('Inferred sales (a partial sale or a removal counts one)'),
  inventory_start: Int("Tickets listed at the window's start (the baseline listed in the window included)"),
  inventory_end: Int("Tickets listed at the window's end"),
  tickets_added: Int('Tickets that came on sale in the window: new listings, returns, quantity rises'),
  sell_through: z.number().nullable().openapi({
    description: 'tickets_sold / (inventory_start + tickets_added) × 100 (2 decimals); null when that is 0',
  }),
  new_listings: Int('Listings that appeared (not the first snapshot, not returns)'),
  new_tickets: Int('Their tickets'),
  returned_listings: Int('Removed listings back within the relist window'),
  removed_listings: Int('Listings that disappeared (sales or not)'),
  price_cuts: Int('Price changes down'),
  price_raises: Int('Price changes up'),
  median_days_on_market: z.number().nullable().openapi({
    description: 'Median days from listing to inferred sale (hour resolution, 2 decimals); null without sales',
  }),
  realized_price: Usd('Median inferred sale price per ticket (one value per sale)'),
  asking_price: Usd("Median over the window's scrapes of the zone's median listed all-in price"),
});

export const SalesSchema = z
  .strictObject({
    event_id: z.string(),
    zone: z.string().nullable().openapi({ description: 'The zone asked for; null: every zone' }),
    granularity: Granularity,
    from: IsoTime('Start of the requested range'),
    to: IsoTime('End of the requested range (exclusive)'),
    points: z
      .array(SalesPoint)
      .openapi({ description: 'One point per (window, zone) with any activity, in time order' }),
  })
  .openapi('Sales');

// ---- listing changes ---------------------------------------------------------------------------

const kindsMessage = `a comma-separated list of ${CHANGE_KINDS.join(', ')}`;
/** "a, b,,c" -> ["a", "b", "c"]. */
const splitList = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const isKind = (k: string): k is ListingChangeKind => (CHANGE_KINDS as readonly string[]).includes(k);

export const ListingChangesQuery = z.object({
  kind: z
    .string()
    .max(200)
    .optional()
    .refine((v) => v === undefined || splitList(v).every(isKind), `must be ${kindsMessage}`)
    .transform((v) => (v === undefined ? [] : (splitList(v) as ListingChangeKind[])))
    .openapi({
      type: 'string',
      description: `Only these kinds: ${kindsMessage}; all when absent`,
      example: 'removed,qty_drop',
    }),
  zone: Zone.optional(),
  from: IsoInstant.optional().openapi({ description: 'Changes seen at or after this time' }),
  to: IsoInstant.optional().openapi({ description: 'Changes seen before this time' }),
  limit: QueryInt(1, 1000, 100, 'Changes per page'),
  cursor: z
    .string()
    .max(400)
    .optional()
    .openapi({ description: 'next_cursor of the previous page; the filters must be the same' }),
});

export const ListingChangeSchema = z
  .strictObject({
    change_id: z
      .string()
      .openapi({ description: 'Deterministic id (the topic tws.listings.changes.v1 carries it too)' }),
    source: z.string(),
    listing_id: z.string(),
    kind: z.enum(CHANGE_KINDS as [ListingChangeKind, ...ListingChangeKind[]]),
    changed_at: IsoTime('The complete snapshot where the change was seen'),
    previous_at: IsoTime('The complete snapshot it was compared with').nullable(),
    snapshot_id: z.string(),
    zone_id: z.string(),
    zone: z.string(),
    section: z.string(),
    row: z.string(),
    quantity_before: Int('Seats before (the last listed quantity)'),
    quantity: Int('Seats after (0 for removed)'),
    price_before: Usd('All-in price per ticket before'),
    price: Usd('All-in price per ticket after'),
    direction: z.enum(['up', 'down']).nullable().openapi({ description: 'price_change: a raise or a cut' }),
    tickets_sold: Int('Inferred tickets sold (negative for a return that cancels its removal)'),
    sale_price: Usd('The last listed all-in price of what sold'),
    sale_at: IsoTime('When the sale counts (for returned: the removal it cancels)'),
    removed_at: IsoTime('returned: when the removal was seen').nullable(),
    listed_at: IsoTime('When the listing was first seen'),
    excluded_reason: z.string().openapi({ description: 'removed: event_cutoff when too close to the start to count' }),
    days_to_event: z.number().int().nullable(),
  })
  .openapi('ListingChange');

export const ListingChangesSchema = z
  .strictObject({
    event_id: z.string(),
    changes: z.array(ListingChangeSchema),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last' }),
  })
  .openapi('ListingChanges');

// ---- compare -----------------------------------------------------------------------------------

export const MAX_COMPARED_EVENTS = 10;

export const CompareQuery = z.object({
  events: z
    .string()
    .max(MAX_COMPARED_EVENTS * 65)
    .refine((v) => splitList(v).length > 0, 'name at least one event')
    .refine((v) => splitList(v).every((e) => EVENT_ID_RE.test(e)), 'each must be an event id')
    .refine((v) => new Set(splitList(v)).size <= MAX_COMPARED_EVENTS, `at most ${MAX_COMPARED_EVENTS} events`)
    .transform((v) => [...new Set(splitList(v))])
    .openapi({
      type: 'string',
      description: `Comma-separated event ids, 1 to ${MAX_COMPARED_EVENTS}`,
      example: 'simulated-5000001,simulated-5000002',
    }),
  zone: Zone.optional().openapi({ description: "One zone name in every event; all of each event's zones when absent" }),
  metric: z.enum(['get_in', 'get_in_2', 'median']).default('get_in').openapi({
    description:
      "get_in: the day's lowest get-in price; get_in_2: lowest total for 2 together; median: median of the scrapes' median prices",
  }),
  by: z
    .enum(['days_to_event'])
    .default('days_to_event')
    .openapi({ description: 'The x axis: whole days before the start' }),
  index: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number of days')
    .transform(Number)
    .pipe(z.number().int().min(1).max(365))
    .optional()
    .openapi({
      type: 'integer',
      minimum: 1,
      maximum: 365,
      description: 'Index each series to its value this many days out (= 100)',
    }),
});

export const CompareSchema = z
  .strictObject({
    metric: z.enum(['get_in', 'get_in_2', 'median']),
    by: z.enum(['days_to_event']),
    zone: z.string().nullable(),
    index: z.number().int().nullable(),
    series: z.array(
      z.strictObject({
        event_id: z.string(),
        name: z.string(),
        starts_at: IsoTime('Event start'),
        index_base: Usd('The value `index` days out; null when that day has none (then every indexed value is null)'),
        points: z.array(
          z.strictObject({
            days_to_event: Int('Whole days before the start (0: the last day)'),
            value: z.number().openapi({ description: 'The metric, USD' }),
            indexed: z
              .number()
              .nullable()
              .openapi({ description: 'value / index_base × 100 (2 decimals); null without index' }),
          }),
        ),
      }),
    ),
  })
  .openapi('Compare');
