// /v1/jobs: scrape jobs, newest first, each at its latest version.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { NotFoundError } from '../../lib/errors.ts';
import { getJob, listJobs, type JobRow } from '../queries/jobs.ts';
import { JobIdParams, JobListQuery, JobListSchema, JobSchema } from '../schemas/ops.ts';
import { toIso, toIsoOrNull } from '../schemas/time.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404 } from './common.ts';

const jobJson = (r: JobRow) => ({
  job_id: r.job_id,
  status: r.status,
  started_at: toIso(r.started_at_ms),
  finished_at: toIsoOrNull(r.finished_at_ms),
  events_planned: r.events_planned,
  events_succeeded: r.events_succeeded,
  events_failed: r.events_failed,
  events_cancelled: r.events_cancelled,
  snapshots: r.snapshots,
  listings: r.listings,
  retries: r.retries,
  error: r.error,
});

export function jobRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs',
      tags: ['operations'],
      summary: 'Recent scrape jobs',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { query: JobListQuery },
      responses: {
        200: { description: 'Jobs, newest first', content: { 'application/json': { schema: JobListSchema } } },
        ...COMMON_ERRORS,
      },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      const rows = await listJobs(deps.store, limit);
      return c.json({ jobs: rows.map(jobJson) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{jobId}',
      tags: ['operations'],
      summary: 'One scrape job',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { params: JobIdParams },
      responses: {
        200: { description: 'The job', content: { 'application/json': { schema: JobSchema } } },
        ...COMMON_ERRORS,
        ...E404,
      },
    }),
    async (c) => {
      const { jobId } = c.req.valid('param');
      const row = await getJob(deps.store, jobId);
      if (!row) throw new NotFoundError(`job ${jobId} not found`);
      return c.json(jobJson(row), 200);
    },
  );
  return app;
}
