// Probes and metrics: GET /healthz (liveness, no I/O), GET /readyz (reads and writes, separately),
// GET /metrics (Prometheus text format). Not rate limited and never keyed.
// Reads need only ClickHouse, writes need Kafka too: with Kafka down the API is ready, read-only, and
// says so; a probe that needs writes asks /readyz?for=writes.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { consumerLag, registry } from '../../lib/metrics.ts';
import { HealthSchema, ReadyQuery, ReadySchema } from '../schemas/ops.ts';
import type { AppEnv, RouteDeps } from '../types.ts';

/** A readiness check that throws or hangs counts as failed after this long. */
export const READY_CHECK_TIMEOUT_MS = 2000;

/** The value of `fn`, or `fallback` when it throws or takes longer than READY_CHECK_TIMEOUT_MS. */
async function within<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), READY_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

const check = async (fn: () => Promise<boolean>): Promise<'ok' | 'failed'> =>
  (await within(fn, false)) ? 'ok' : 'failed';

export function healthRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } } },
    }),
    (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json({ status: 'ok' as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Readiness for reads (ClickHouse) and writes (ClickHouse and Kafka), reported separately',
      request: { query: ReadyQuery },
      responses: {
        200: {
          description: 'Ready for what `for` asks (reads by default); `status` says whether writes are too',
          content: { 'application/json': { schema: ReadySchema } },
        },
        503: {
          description: 'Not ready for what `for` asks; `checks` says which failed',
          content: { 'application/json': { schema: ReadySchema } },
        },
      },
    }),
    async (c) => {
      const need = c.req.valid('query').for;
      const kafkaReady = deps.kafkaReady;
      const [clickhouse, kafka] = await Promise.all([
        check(() => deps.store.ping()),
        kafkaReady ? check(kafkaReady) : Promise.resolve('skipped' as const),
      ]);
      c.header('Cache-Control', 'no-store');
      const reads = clickhouse === 'ok' ? ('ready' as const) : ('unavailable' as const);
      const writes = reads === 'ready' && kafka !== 'failed' ? ('ready' as const) : ('unavailable' as const);
      const status = writes === 'ready' ? 'ready' : reads === 'ready' ? 'read_only' : 'unavailable';
      const body = {
        status,
        reads,
        writes,
        checks: { clickhouse, kafka },
        ...(status === 'read_only' && {
          note: 'read-only: Kafka failed its check, so writes answer 503; reads are served from ClickHouse',
        }),
      } as const;
      if ((need === 'writes' ? writes : reads) === 'ready') return c.json(body, 200);
      const failed = [clickhouse === 'failed' ? 'clickhouse' : null, kafka === 'failed' ? 'kafka' : null].filter(
        (x): x is string => x !== null,
      );
      c.header('Retry-After', '5');
      return c.json(
        {
          ...body,
          error: { code: 'NOT_READY', message: `not ready for ${need}: ${failed.join(' and ')} failed` },
        },
        503,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => {
      if (deps.consumerLag) {
        // A failing or slow lag source keeps the last value: the scrape itself must not fail.
        const lags = await within(deps.consumerLag, {} as Record<string, number>);
        for (const [group, lag] of Object.entries(lags)) if (Number.isFinite(lag)) consumerLag.set({ group }, lag);
      }
      return c.text(await registry.metrics(), 200, {
        'Content-Type': registry.contentType,
        'Cache-Control': 'no-store',
      });
    },
  );

  return app;
}
