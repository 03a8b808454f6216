// Representation and caching of trend responses: JSON or CSV (format=csv or Accept: text/csv),
// Cache-Control by whether every window of the range is closed, and (with hono/etag on the route)
// a strong ETag of the body with If-None-Match → 304.
import type { Context } from 'hono';
import { toCsv } from './csv.ts';

/** Seconds a closed range may be cached; late scrapes within the consumers' grace period are rare. */
export const CLOSED_MAX_AGE_SECONDS = 300;

export function wantsCsv(c: Context, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = c.req.header('Accept') ?? '';
  return /(^|,)\s*text\/csv/i.test(accept) && !/(^|,)\s*application\/json/i.test(accept);
}

export function cacheControl(closed: boolean, privateOnly: boolean): string {
  if (!closed) return 'no-cache';
  return `${privateOnly ? 'private' : 'public'}, max-age=${CLOSED_MAX_AGE_SECONDS}`;
}

/** Sends `body` as JSON, or its `points` as CSV with the given columns. */
export function sendTrend<P extends object, B extends { points: P[] }>(
  c: Context,
  body: B,
  opts: { csv: boolean; columns: readonly (keyof P & string)[]; closed: boolean; privateOnly: boolean },
): Response {
  c.header('Cache-Control', cacheControl(opts.closed, opts.privateOnly));
  c.header('Vary', 'Accept, Authorization');
  if (opts.csv) {
    c.header('Content-Type', 'text/csv; charset=utf-8');
    return c.body(toCsv(opts.columns, body.points as Record<string, unknown>[]), 200);
  }
  return c.json(body, 200);
}
