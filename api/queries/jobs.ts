// Scrape jobs (scrape_jobs, a ReplacingMergeTree by version: FINAL gives each job's latest row).
import type { Store } from '../../lib/clickhouse/store.ts';

export interface JobRow {
  job_id: string;
  status: string;
  started_at_ms: number;
  finished_at_ms: number | null;
  events_planned: number;
  events_succeeded: number;
  events_failed: number;
  events_cancelled: number;
  snapshots: number;
  listings: number;
  retries: number;
  error: string | null;
}

const JOB_COLUMNS = `job_id, status, toUnixTimestamp64Milli(started_at) AS started_at_ms,
  if(isNull(finished_at), NULL, toUnixTimestamp64Milli(assumeNotNull(finished_at))) AS finished_at_ms,
  events_planned, events_succeeded, events_failed, events_cancelled, snapshots, listings, retries, error`;

const LIST_JOBS = `SELECT ${JOB_COLUMNS} FROM scrape_jobs FINAL ORDER BY started_at DESC, job_id LIMIT {limit:UInt32}`;
const GET_JOB = `SELECT ${JOB_COLUMNS} FROM scrape_jobs FINAL WHERE job_id = {job_id:String} LIMIT 1`;

export function listJobs(store: Store, limit: number): Promise<JobRow[]> {
  return store.query<JobRow>(LIST_JOBS, { limit });
}

export async function getJob(store: Store, jobId: string): Promise<JobRow | null> {
  const rows = await store.query<JobRow>(GET_JOB, { job_id: jobId });
  return rows[0] ?? null;
}
