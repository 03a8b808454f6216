// Record-level contract checks shared by every consumer of our topics: a time no producer of ours
// could have written makes the record poison (dead-letter topic) at decode, instead of failing the
// batch later where it would be retried forever (a Date beyond ±8.64e15 ms, a DateTime beyond 2106).
import { PoisonRecordError } from '../errors.ts';
import type { CatalogEvent, ScrapeJob, ScrapeLog, ScrapeOutcome, ScrapeRequest } from '../model.ts';

const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** Planned times (event starts, deadlines) may lie far ahead, but within ClickHouse's DateTime. */
const LATEST_PLANNED_MS = Date.UTC(2100, 0, 1);
/** Observed times (scraped, logged, finished) may be ahead of our clock by clock skew only. */
const MAX_SKEW_MS = 86_400_000;

export type TimeKind = 'observed' | 'planned';

/** Throws PoisonRecordError('invalid') naming `field` unless `ms` is a plausible epoch-ms time. */
export function checkTime(field: string, ms: number | null, kind: TimeKind, now = Date.now()): void {
  if (ms === null) return;
  const latest = kind === 'planned' ? LATEST_PLANNED_MS : now + MAX_SKEW_MS;
  if (!Number.isFinite(ms) || ms < EARLIEST_MS || ms > latest) {
    const shown = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
    throw new PoisonRecordError(
      `${field} ${shown} is outside ${new Date(EARLIEST_MS).toISOString()} .. ${new Date(latest).toISOString()}`,
      'invalid',
    );
  }
}

function requireId(field: string, v: string): void {
  if (!v) throw new PoisonRecordError(`empty ${field}`, 'invalid');
}

export function checkCatalogEvent(e: CatalogEvent, now = Date.now()): void {
  requireId('event_id', e.event_id);
  checkTime('starts_at', e.starts_at, 'planned', now);
  checkTime('created_at', e.created_at, 'observed', now);
  checkTime('updated_at', e.updated_at, 'observed', now);
}

export function checkScrapeJob(j: ScrapeJob, now = Date.now()): void {
  requireId('job_id', j.job_id);
  checkTime('started_at', j.started_at, 'observed', now);
  checkTime('finished_at', j.finished_at, 'observed', now);
}

export function checkScrapeLog(l: ScrapeLog, now = Date.now()): void {
  checkTime('logged_at', l.logged_at, 'observed', now);
}

export function checkScrapeRequest(r: ScrapeRequest, now = Date.now()): void {
  requireId('job_id', r.job_id);
  requireId('event_id', r.event_id);
  checkTime('requested_at', r.requested_at, 'observed', now);
  checkTime('deadline_at', r.deadline_at, 'planned', now);
  checkTime('event_starts_at', r.event_starts_at, 'planned', now);
}

export function checkScrapeOutcome(outcome: ScrapeOutcome, now = Date.now()): void {
  requireId('job_id', outcome.job_id);
  checkTime('finished_at', outcome.finished_at, 'observed', now);
}
