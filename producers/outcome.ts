// The one builder of a ScrapeOutcome. A scrape ends ok (with its snapshot), failed or expired; the
// fields only an ok scrape has (snapshot, listings, rejected) are null or zero otherwise.
import type { ScrapeOutcome, ScrapeRequest } from '../lib/model.ts';

export type ScrapeResult =
  | { status: 'ok'; attempts: number; retries: number; snapshotId: string; listings: number; rejected: number }
  | { status: 'failed' | 'expired'; kind: string; attempts: number; retries: number };

export function scrapeOutcome(
  req: Pick<ScrapeRequest, 'job_id' | 'event_id'> & { source?: string },
  workerId: string,
  finishedAt: number,
  result: ScrapeResult,
): ScrapeOutcome {
  const ok = result.status === 'ok';
  return {
    job_id: req.job_id,
    event_id: req.event_id,
    worker_id: workerId,
    status: result.status,
    error_kind: ok ? null : result.kind,
    attempts: result.attempts,
    retries: result.retries,
    snapshot_id: ok ? result.snapshotId : null,
    listings: ok ? result.listings : 0,
    rejected: ok ? result.rejected : 0,
    finished_at: finishedAt,
    // Which of the event's sources this outcome is about (an event may be on several).
    ...(req.source !== undefined && { source: req.source }),
  };
}
