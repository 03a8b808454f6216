// Builds the HTTP API from its parts: middleware factories (api/middleware), one route module per
// resource (api/routes), typed errors translated in one place (api/errors.ts). Tests call
// `createApp(...).request()` and never open a port; api/server.ts serves it with @hono/node-server.
//
// Order of the middleware: request metrics (outermost, so every status is counted) → secure headers
// → CORS (when configured) → for /v1/*: identify the caller → rate limit → body limit; then each
// route's own middleware: API key check (`auth.read` / `auth.write`), ETag on trend routes, and the
// zod validators, whose failures become 400 with `field`.
import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { ValidationError } from '../lib/errors.ts';
import { HttpError, createErrorHandler, notFoundHandler } from './errors.ts';
import { identify, requireKey } from './middleware/auth.ts';
import { requestMetrics } from './middleware/metrics.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { logRoutes } from './routes/logs.ts';
import { sourceRoutes } from './routes/sources.ts';
import { sqlRoutes } from './routes/sql.ts';
import { alertRoutes } from './routes/alerts.ts';
import { compareRoutes } from './routes/compare.ts';
import { listingChangeRoutes } from './routes/listing-changes.ts';
import { salesRoutes } from './routes/sales.ts';
import { trendRoutes } from './routes/trends.ts';
import { zoneRoutes } from './routes/zones.ts';
import type { AppDeps, AppEnv, RouteDeps } from './types.ts';

export type { AppDeps, AppEnv } from './types.ts';

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** The request part a validator checks, for errors without a path (e.g. a body that is not an object). */
const TARGET_FIELD: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'headers' };

/** zod-openapi's validation hook: the first issue becomes a ValidationError naming its field. */
export function validationHook(
  result: { success: true } | { success: false; error: { issues: ZodIssueLike[] } },
  _c: Context,
  target?: string,
): void {
  if (result.success) return;
  const issue = result.error.issues[0];
  if (!issue) throw new ValidationError('invalid request', TARGET_FIELD[target ?? ''] ?? 'request');
  let field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys?.[0])
    field = field ? `${field}.${issue.keys[0]}` : issue.keys[0];
  if (!field) field = TARGET_FIELD[target ?? ''] ?? 'request';
  const message = issue.code === 'unrecognized_keys' ? `unknown field "${field}"` : `${field}: ${issue.message}`;
  throw new ValidationError(message, field);
}

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const { config } = deps;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => validationHook(result, c, result.target),
  });

  app.use('*', requestMetrics());
  app.use('*', secureHeaders());
  if (config.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: config.corsOrigins,
        allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'Accept'],
        exposeHeaders: ['ETag', 'Retry-After', 'Location', 'WWW-Authenticate'],
        maxAge: 600,
      }),
    );
  }
  app.use('/v1/*', identify(config.keys, deps.clientIp));
  app.use('/v1/*', rateLimit({ perMinute: config.rateLimitPerMinute, ...(deps.now ? { now: deps.now } : {}) }));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${config.bodyLimitBytes} bytes`, {
          field: 'body',
        });
      },
    }),
  );

  const bearer = [{ bearerAuth: [] }];
  const routeDeps: RouteDeps = {
    ...deps,
    now: deps.now ?? Date.now,
    auth: { read: requireKey({ required: config.readAuth === 'key' }), write: requireKey({ required: true }) },
    security: { read: config.readAuth === 'key' ? bearer : [], write: bearer },
  };
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from TWS_API_KEYS: Authorization: Bearer <key>',
  });

  app.route('/', healthRoutes(routeDeps));
  app.route('/v1', eventRoutes(routeDeps));
  app.route('/v1', zoneRoutes(routeDeps));
  app.route('/v1', trendRoutes(routeDeps));
  app.route('/v1', sourceRoutes(routeDeps));
  app.route('/v1', jobRoutes(routeDeps));
  app.route('/v1', logRoutes(routeDeps));
  app.route('/v1', sqlRoutes(routeDeps));
  app.route('/v1', alertRoutes(routeDeps));
  app.route('/v1', salesRoutes(routeDeps));
  app.route('/v1', listingChangeRoutes(routeDeps));
  app.route('/v1', compareRoutes(routeDeps));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'tws-analytics API',
      version: '1.0.0',
      description:
        'Ticket-price trends per event and zone. Prices are US dollars (2 decimals); times are ISO-8601 UTC. Errors: { "error": { "code", "message", "field"? } }.',
    },
    tags: [
      { name: 'events', description: 'The catalog of tracked events' },
      { name: 'trends', description: 'Zone metrics and trends' },
      { name: 'operations', description: 'Scrape jobs, logs, health and metrics' },
      { name: 'analysts', description: 'Ad-hoc read-only SQL' },
      { name: 'alerts', description: 'Price-alert rules, firings and deliveries' },
      { name: 'market', description: 'Inferred sales, listing changes and events compared by days to the show' },
    ],
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'tws-analytics API' }));

  deps.dashboard?.(app);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.logger));
  return app;
}
