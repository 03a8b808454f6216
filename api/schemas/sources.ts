// Schemas of the sources: the registry's names (lib/sources/registry.ts) as the API's enum, the
// `source` parameter of the trend endpoints, and GET /v1/sources and /v1/events/{id}/sources.
import { z } from '@hono/zod-openapi';
import { SOURCE_NAMES, SOURCES } from '../../lib/sources/registry.ts';
import { IsoTime, Usd } from './common.ts';

export const SourceName = z.enum(SOURCE_NAMES).openapi({
  description: `A registered source: ${SOURCES.map((s) => `${s.name} (${s.label})`).join(', ')}`,
  example: 'vividseats',
});

/** `all` (every source of the event, computed from their listings) or one source. */
export const SourceParam = z
  .enum(['all', ...SOURCE_NAMES])
  .default('all')
  .openapi({
    description:
      'Whose listings: `all` (default: every source of the event, from their listings, cross-site duplicates counted once in inventory) or one source',
    example: 'all',
  });

export const SourceListSchema = z
  .strictObject({
    sources: z.array(
      z.strictObject({
        name: z.string().openapi({ description: 'The `source` value', example: 'gametime' }),
        label: z.string().openapi({ description: 'How people call it', example: 'Gametime' }),
        event_id: z.string().openapi({ description: "What the marketplace's event id is" }),
      }),
    ),
  })
  .openapi('SourceList');

const Count = (description: string) => z.number().int().openapi({ description });

/** One source's state now (its latest snapshot), or every source's (`all`). */
const SourceNow = z.strictObject({
  source: z.string().openapi({ description: 'A source of the event, or `all`', example: 'gametime' }),
  label: z.string().openapi({ example: 'Gametime' }),
  source_event_id: z.string().nullable().openapi({ description: "The event's id there; null for `all`" }),
  scraped_at: IsoTime('The latest snapshot of this source (for all: the newest one combined)')
    .nullable()
    .openapi({ description: 'The latest snapshot of this source; null before the first one' }),
  get_in: Usd('Lowest all-in price per ticket, outliers left out, over every zone'),
  get_in_2: Usd('Lowest total for 2 seats together'),
  get_in_4: Usd('Lowest total for 4 seats together'),
  tickets: Count('Tickets on sale now (for all: cross-site duplicates counted once)'),
  listings: Count('Listings on sale now (for all: cross-site duplicates counted once)'),
  duplicate_listings: Count('Listings also on an earlier source of the event (all only; 0 per source)'),
});

const ZoneComparison = z.strictObject({
  zone: z.string(),
  cheapest_source: z.string().nullable().openapi({
    description: 'The source with the lowest get-in price in this zone now (ties: by name); null when none has a price',
  }),
  sources: z.array(
    z.strictObject({
      source: z.string(),
      get_in: Usd('Lowest all-in price per ticket in the zone'),
      get_in_2: Usd('Lowest total for 2 seats together'),
      get_in_4: Usd('Lowest total for 4 seats together'),
      tickets: Count('Tickets in the zone'),
    }),
  ),
});

export const EventSourcesSchema = z
  .strictObject({
    event_id: z.string(),
    sources: z.array(SourceNow).openapi({ description: "Each of the event's sources, then `all`" }),
    zones: z.array(ZoneComparison).openapi({ description: 'Per zone (by name): each source now, and the cheapest' }),
  })
  .openapi('EventSources');
