import { z } from '@hono/zod-openapi';
import { FLAT_TOLERANCE_PERCENT } from '../trends/direction.ts';
import { Granularity, IsoInstant, IsoTime, PrintableText, Usd } from './common.ts';
import { SourceParam } from './sources.ts';

export const Zone = PrintableText(1, 100).openapi({
  description: 'Zone name as listed by GET /v1/events/{eventId}/zones (1-100 printable characters)',
  example: 'Orchestra',
});

export const TrendQuery = z.object({
  zone: Zone,
  source: SourceParam,
  from: IsoInstant.optional().openapi({
    description: 'Start of the range (inclusive); default: `to` minus 7 days (hourly) or 90 days (daily)',
  }),
  to: IsoInstant.optional().openapi({ description: 'End of the range (exclusive); default: now' }),
  granularity: Granularity.default('hourly'),
  format: z
    .enum(['json', 'csv'])
    .optional()
    .openapi({ description: 'csv returns the points as CSV (also chosen by Accept: text/csv)' }),
});

export const GroupTrendQuery = TrendQuery.extend({
  group_size: z
    .enum(['2', '4'])
    .transform((v) => (v === '2' ? 2 : 4) as 2 | 4)
    .openapi({ type: 'string', enum: ['2', '4'], description: 'Seats bought together from one listing' }),
});

const rangeFields = {
  event_id: z.string(),
  zone: z.string(),
  source: z.string().openapi({ description: '`all` or the source the points come from' }),
  granularity: Granularity,
  from: IsoTime('Start of the requested range'),
  to: IsoTime('End of the requested range (exclusive)'),
};
const T = IsoTime('Start of the window');

export const PriceTrendSchema = z
  .strictObject({
    ...rangeFields,
    points: z.array(
      z.strictObject({
        t: T,
        min_price: Usd('Lowest all-in price per ticket in the window'),
        avg_price: Usd('Average all-in price per ticket, weighted by listings (Σ prices / Σ priced listings)'),
      }),
    ),
    trend: z
      .enum(['increasing', 'decreasing', 'flat'])
      .nullable()
      .openapi({
        description: `From the first window's min_price to the last one's; flat when the change is under ${FLAT_TOLERANCE_PERCENT}%. Null with fewer than 2 points or when the first price is 0 or either price is null.`,
      }),
    percent_change: z.number().nullable().openapi({
      description: 'Change of min_price from the first to the last window, percent (2 decimals); null as for trend',
    }),
  })
  .openapi('PriceTrend');

export const GroupPriceTrendSchema = z
  .strictObject({
    ...rangeFields,
    group_size: z
      .number()
      .int()
      .openapi({ enum: [2, 4] }),
    points: z.array(
      z.strictObject({
        t: T,
        price: z
          .number()
          .openapi({ description: 'Lowest total all-in price for group_size seats together, USD (2 decimals)' }),
      }),
    ),
  })
  .openapi('GroupPriceTrend');

export const InventoryTrendSchema = z
  .strictObject({
    ...rangeFields,
    capacity: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The event's capacity from the catalog; null when unknown" }),
    peak_tickets: z.number().int().openapi({ description: 'Most tickets the zone showed in any window of the range' }),
    points: z.array(
      z.strictObject({
        t: T,
        tickets: z.number().int().openapi({ description: 'Tickets at the last scrape of the window' }),
        listings: z.number().int().openapi({ description: 'Listings at the last scrape of the window' }),
        tickets_avg: z.number().openapi({ description: "Mean tickets over the window's scrapes (2 decimals)" }),
        tickets_peak: z.number().int().openapi({ description: 'Most tickets at one scrape of the window' }),
        availability_rate: z
          .number()
          .nullable()
          .openapi({ description: 'tickets / event capacity × 100 (2 decimals); null when the capacity is unknown' }),
        sell_through: z.number().nullable().openapi({
          description: '(peak_tickets − tickets) / peak_tickets × 100 (2 decimals); null when peak_tickets is 0',
        }),
      }),
    ),
  })
  .openapi('InventoryTrend');

export const CandlesSchema = z
  .strictObject({
    ...rangeFields,
    points: z.array(
      z.strictObject({
        t: T,
        open: z.number().openapi({
          description: 'Get-in price (lowest all-in per ticket) at the first priced scrape of the window, USD',
        }),
        high: z.number().openapi({ description: 'Highest get-in price over the scrapes of the window, USD' }),
        low: z.number().openapi({ description: 'Lowest get-in price over the scrapes of the window, USD' }),
        close: z.number().openapi({ description: 'Get-in price at the last priced scrape of the window, USD' }),
      }),
    ),
  })
  .openapi('Candles');

export const ZoneSchema = z
  .strictObject({
    zone_id: z.string(),
    zone: z.string(),
    scraped_at: IsoTime('The scrape these metrics come from'),
    sections: z.number().int(),
    days_to_event: z.number().int().nullable(),
    lowest_price: Usd('Get-in price: lowest all-in price per ticket'),
    lowest_base_price: Usd('Lowest price per ticket before fees'),
    average_price: Usd('Average all-in price per ticket'),
    median_price: Usd('Median all-in price per ticket'),
    highest_price: Usd('Highest all-in price per ticket'),
    lowest_price_2: Usd('Lowest total for 2 seats together'),
    lowest_price_4: Usd('Lowest total for 4 seats together'),
    priced_listings: z.number().int(),
    total_tickets: z.number().int(),
    total_listings: z.number().int(),
    available: z.boolean(),
    outlier_listings: z.number().int(),
  })
  .openapi('Zone');

export const ZoneListSchema = z
  .strictObject({
    event_id: z.string(),
    source: z.string().openapi({ description: '`all` or the source the zones come from' }),
    zones: z.array(ZoneSchema),
  })
  .openapi('ZoneList');
