// GET /v1/logs: the scrapers' error log, newest first.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { listLogs } from '../queries/logs.ts';
import { LogListSchema, LogQuery } from '../schemas/ops.ts';
import { parseInstant, toIso } from '../schemas/time.ts';
import { DAY_MS } from '../trends/windows.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS } from './common.ts';

export function logRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/logs',
      tags: ['operations'],
      summary: 'Scraper error logs',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { query: LogQuery },
      responses: {
        200: { description: 'Logs, newest first', content: { 'application/json': { schema: LogListSchema } } },
        ...COMMON_ERRORS,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const since = q.since === undefined ? Math.max(0, deps.now() - DAY_MS) : parseInstant(q.since)!;
      const rows = await listLogs(deps.store, { eventId: q.event_id, since, limit: q.limit });
      return c.json(
        {
          logs: rows.map((r) => ({
            logged_at: toIso(r.logged_at_ms),
            event_id: r.event_id,
            job_id: r.job_id,
            level: r.level,
            kind: r.kind,
            message: r.message,
            attempts: r.attempts,
            http_status: r.http_status,
          })),
        },
        200,
      );
    },
  );
  return app;
}
