// Probes and metrics: GET /healthz (liveness, no I/O), GET /readyz (ClickHouse and Kafka),
// GET /metrics (Prometheus text format). Not rate limited and never keyed.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { consumerLag, registry } from '../../lib/metrics.ts';
import { HealthSchema, ReadySchema } from '../schemas/ops.ts';
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
      summary: 'Readiness: ClickHouse answers a ping and Kafka is reachable',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
        503: {
          description: 'Not ready; `checks` says which failed',
          content: { 'application/json': { schema: ReadySchema } },
        },
      },
    }),
    async (c) => {
      const kafkaReady = deps.kafkaReady;
      const [clickhouse, kafka] = await Promise.all([
        check(() => deps.store.ping()),
        kafkaReady ? check(kafkaReady) : Promise.resolve('skipped' as const),
      ]);
      c.header('Cache-Control', 'no-store');
      const failed = [clickhouse === 'failed' ? 'clickhouse' : null, kafka === 'failed' ? 'kafka' : null].filter(
        (x): x is string => x !== null,
      );
      if (failed.length === 0) return c.json({ status: 'ready' as const, checks: { clickhouse, kafka } }, 200);
      c.header('Retry-After', '5');
      return c.json(
        {
          status: 'unavailable' as const,
          checks: { clickhouse, kafka },
          error: { code: 'NOT_READY', message: `not ready: ${failed.join(' and ')} failed` },
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
        const lag = await within(deps.consumerLag, Number.NaN);
        if (Number.isFinite(lag)) consumerLag.set({ group: deps.consumerGroup ?? 'tws-metrics' }, lag);
      }
      return c.text(await registry.metrics(), 200, {
        'Content-Type': registry.contentType,
        'Cache-Control': 'no-store',
      });
    },
  );

  return app;
}
