// Schemas of jobs, logs, ad-hoc SQL and health.
import { z } from '@hono/zod-openapi';
import { EventId, IsoInstant, IsoTime, JOB_ID_RE, QueryInt } from './common.ts';

export const JobSchema = z
  .strictObject({
    job_id: z.string(),
    status: z.string().openapi({ description: 'running, success, partial, failed or cancelled' }),
    started_at: IsoTime('Start'),
    finished_at: IsoTime('End').nullable(),
    events_planned: z.number().int(),
    events_succeeded: z.number().int(),
    events_failed: z.number().int(),
    events_cancelled: z.number().int().openapi({ description: 'Events a stop cancelled (not failures)' }),
    snapshots: z.number().int(),
    listings: z.number().int(),
    retries: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('Job');

export const JobListSchema = z.strictObject({ jobs: z.array(JobSchema) }).openapi('JobList');
export const JobListQuery = z.object({ limit: QueryInt(1, 1000, 50, 'Jobs to return, newest first') });
export const JobIdParams = z.object({
  jobId: z
    .string()
    .regex(JOB_ID_RE, 'must be 1-128 letters, digits, "_", ".", ":" or "-"')
    .openapi({ param: { name: 'jobId', in: 'path' }, example: '6f1c2d3e-0000-4000-8000-000000000000' }),
});

export const LogSchema = z
  .strictObject({
    logged_at: IsoTime('When'),
    event_id: z.string(),
    job_id: z.string(),
    level: z.string().openapi({ description: 'ERROR or WARN' }),
    kind: z.string().openapi({ description: 'blocked, http, rate_limited, timeout, network, parse, publish, expired' }),
    message: z.string(),
    attempts: z.number().int(),
    http_status: z.number().int().nullable(),
  })
  .openapi('ScraperLog');

export const LogListSchema = z.strictObject({ logs: z.array(LogSchema) }).openapi('ScraperLogList');
export const LogQuery = z.object({
  event_id: EventId.optional().openapi({ description: 'Only this event' }),
  since: IsoInstant.optional().openapi({ description: 'Oldest log to return; default: 24 hours ago' }),
  limit: QueryInt(1, 1000, 100, 'Logs to return, newest first'),
});

export const SqlBody = z
  .strictObject({
    sql: z.string().min(1).max(100_000).openapi({
      description: 'One read-only statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS); a trailing ";" is allowed',
      example: 'SELECT zone, count() AS scrapes FROM zone_snapshots GROUP BY zone',
    }),
    format: z.enum(['json', 'csv']).optional().openapi({ description: 'json (default) or csv' }),
  })
  .openapi('SqlRequest');

export const SqlResultSchema = z
  .strictObject({
    sql: z.string().openapi({ description: "The statement as run (ClickHouse's canonical formatting)" }),
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.unknown())),
    row_count: z.number().int(),
  })
  .openapi('SqlResult');

export const HealthSchema = z.strictObject({ status: z.literal('ok') }).openapi('Health');

const Check = z.enum(['ok', 'failed', 'skipped']);
const Side = z.enum(['ready', 'unavailable']);
export const ReadySchema = z
  .strictObject({
    status: z.enum(['ready', 'read_only', 'unavailable']).openapi({
      description:
        'ready: reads and writes; read_only: reads only (ClickHouse answers, Kafka does not); unavailable: no reads',
    }),
    reads: Side.openapi({ description: 'Reads need ClickHouse' }),
    writes: Side.openapi({ description: 'Writes (catalog changes) need ClickHouse and Kafka' }),
    checks: z.strictObject({ clickhouse: Check, kafka: Check }),
    note: z.string().optional().openapi({ description: 'Why the API is read-only, when it is' }),
    error: z
      .strictObject({ code: z.string(), message: z.string() })
      .optional()
      .openapi({ description: 'Present with 503: which dependency failed' }),
  })
  .openapi('Readiness');

export const ReadyQuery = z.object({
  for: z.enum(['reads', 'writes']).default('reads').openapi({
    description:
      'What the caller needs: reads (default; 200 while ClickHouse answers) or writes (200 only when Kafka answers too)',
  }),
});
