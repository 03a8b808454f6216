// Zod schemas shared by several routes. The same schemas validate requests and generate the
// OpenAPI document (@hono/zod-openapi), so what is documented is what is enforced.
import { z } from '@hono/zod-openapi';
import { parseInstant } from './time.ts';

export const EVENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const JOB_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/**
 * Printable: no control characters (C0, DEL, C1) and no lone surrogates (they would not survive
 * UTF-8). A function, not a regex: the OpenAPI generator mangles regexes with the `u` flag.
 */
export function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

export const EventId = z.string().regex(EVENT_ID_RE, 'must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$').openapi({
  description: 'Event id: a letter or digit, then up to 63 letters, digits, "_", "." or "-"',
  example: 'simulated-1001',
});

export const EventIdParams = z.object({
  eventId: EventId.openapi({ param: { name: 'eventId', in: 'path' } }),
});

export const PrintableText = (min: number, max: number) =>
  z.string().min(min).max(max).refine(isPrintable, 'must not contain control characters');

export const IsoInstant = z
  .string()
  .max(40)
  .refine((s) => parseInstant(s) !== null, {
    message: 'must be an ISO-8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm:ssZ) between 1970 and 2099',
  })
  .openapi({
    description: 'ISO-8601 date or date-time; without an offset it is UTC',
    example: '2026-06-01T00:00:00Z',
  });

/** Query integers arrive as strings; only plain decimal digits are accepted. */
export const QueryInt = (min: number, max: number, dflt: number, description: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? dflt)
    .openapi({ type: 'integer', minimum: min, maximum: max, default: dflt, description });

export const QueryBool = (description: string) =>
  z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .openapi({ type: 'string', enum: ['true', 'false'], description });

export const Granularity = z.enum(['hourly', 'daily']).openapi({
  description: 'Window size: hourly (default range: the last 7 days) or daily (default range: the last 90 days)',
});

export const Usd = (description: string) =>
  z
    .number()
    .nullable()
    .openapi({ description: `${description}, USD (2 decimals); null when no priced listing` });

export const IsoTime = (description: string) =>
  z.string().openapi({ format: 'date-time', description: `${description} (ISO-8601, UTC)` });
