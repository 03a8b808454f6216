// Request count and latency per route pattern (`/v1/events/:eventId`, never the raw path, so event
// ids do not become label values), method and status, into the registry of lib/metrics.ts.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { httpLatency, httpRequests } from '../../lib/metrics.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The pattern of the handler that matched (middleware are registered for method ALL). */
export function routeLabel(c: Context): string {
  let label = 'unmatched';
  try {
    for (const r of matchedRoutes(c)) if (r.method !== 'ALL') label = r.path;
  } catch {
    // routing did not happen (should not occur after next())
  }
  return label;
}

export function requestMetrics(): MiddlewareHandler {
  return async function requestMetrics(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = routeLabel(c);
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      httpLatency.observe({ route, method }, (performance.now() - started) / 1000);
      httpRequests.inc({ route, method, status: String(c.res.status) });
    }
  };
}
