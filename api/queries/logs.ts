// Scraper error logs (scraper_logs), newest first. The stack_trace column stays out of the API (it
// can be read with POST /v1/sql by key holders).
import type { Store } from '../../lib/clickhouse/store.ts';

export interface LogRow {
  logged_at_ms: number;
  event_id: string;
  job_id: string;
  level: string;
  kind: string;
  message: string;
  attempts: number;
  http_status: number | null;
}

const LOG_COLUMNS = `toUnixTimestamp64Milli(logged_at) AS logged_at_ms, event_id, job_id, level, kind, message,
  attempts, http_status`;
const SINCE = `logged_at >= fromUnixTimestamp64Milli({since_ms:Int64}, 'UTC')`;

const LOGS_ALL = `SELECT ${LOG_COLUMNS} FROM scraper_logs WHERE ${SINCE}
  ORDER BY logged_at DESC, event_id LIMIT {limit:UInt32}`;
const LOGS_OF_EVENT = `SELECT ${LOG_COLUMNS} FROM scraper_logs WHERE ${SINCE} AND event_id = {event_id:String}
  ORDER BY logged_at DESC, event_id LIMIT {limit:UInt32}`;

export function listLogs(
  store: Store,
  q: { eventId?: string | undefined; since: number; limit: number },
): Promise<LogRow[]> {
  return q.eventId === undefined
    ? store.query<LogRow>(LOGS_ALL, { since_ms: q.since, limit: q.limit })
    : store.query<LogRow>(LOGS_OF_EVENT, { since_ms: q.since, limit: q.limit, event_id: q.eventId });
}
