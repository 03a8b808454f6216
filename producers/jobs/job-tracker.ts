// The state of one scrape job (a scheduler tick): which events were asked for and what became of
// them. Pure: the scheduler feeds it outcomes and asks for the completion record.
import type { JobStatus, ScrapeJob, ScrapeOutcome } from '../../lib/model.ts';

/** One planned scrape: an event on one of its sources. */
export const scrapeKey = (eventId: string, source: string): string => `${eventId}\u0000${source}`;

export class JobTracker {
  private readonly outcomes = new Map<string, ScrapeOutcome>();

  /**
   * `planned`: the scrapes of the job, as scrapeKey(event, source), or plain event ids (then any
   * outcome of the event counts for it).
   */
  constructor(
    readonly jobId: string,
    readonly startedAt: number,
    readonly planned: ReadonlySet<string>,
  ) {}

  /** Ignores outcomes of other jobs and repeats for the same scrape (first one wins). */
  record(outcome: ScrapeOutcome): boolean {
    const key = outcome.job_id === this.jobId ? this.keyOf(outcome) : undefined;
    if (key === undefined || this.outcomes.has(key)) return false;
    this.outcomes.set(key, outcome);
    return true;
  }

  /** The planned scrape an outcome answers; one without a source (an older worker) takes the first open one. */
  private keyOf(o: ScrapeOutcome): string | undefined {
    if (o.source) {
      const exact = scrapeKey(o.event_id, o.source);
      if (this.planned.has(exact)) return exact;
    }
    if (this.planned.has(o.event_id)) return o.event_id;
    if (o.source) return undefined;
    const prefix = scrapeKey(o.event_id, '');
    for (const k of this.planned) if (k.startsWith(prefix) && !this.outcomes.has(k)) return k;
    return undefined;
  }

  get complete(): boolean {
    return this.outcomes.size === this.planned.size;
  }

  startRecord(): ScrapeJob {
    return {
      job_id: this.jobId,
      status: 'running',
      started_at: this.startedAt,
      finished_at: null,
      events_planned: this.planned.size,
      events_succeeded: 0,
      events_failed: 0,
      events_cancelled: 0,
      snapshots: 0,
      listings: 0,
      retries: 0,
      error: null,
    };
  }

  /**
   * success: every event ok; partial: some ok; failed: none ok, or a critical error; cancelled: the
   * scheduler stopped before every outcome was in. Events without an outcome count as failed at the
   * deadline, but as cancelled when the job was cancelled: a stop is not a scraping failure.
   */
  completionRecord(finishedAt: number, end: { critical?: string; cancelled?: boolean } = {}): ScrapeJob {
    const { critical, cancelled = false } = end;
    const all = [...this.outcomes.values()];
    const ok = all.filter((outcome) => outcome.status === 'ok');
    const missing = this.planned.size - all.length;
    const failed = all.length - ok.length + (cancelled ? 0 : missing);
    let status: JobStatus;
    if (critical) status = 'failed';
    else if (cancelled) status = 'cancelled';
    else if (failed === 0) status = 'success';
    else if (ok.length > 0) status = 'partial';
    else status = 'failed';
    const notes = [
      critical,
      missing > 0
        ? cancelled
          ? `${missing} event(s) cancelled by a stop`
          : `${missing} event(s) without an outcome by the deadline`
        : undefined,
    ].filter(Boolean);
    return {
      job_id: this.jobId,
      status,
      started_at: this.startedAt,
      finished_at: finishedAt,
      events_planned: this.planned.size,
      events_succeeded: ok.length,
      events_failed: failed,
      events_cancelled: cancelled ? missing : 0,
      snapshots: ok.filter((outcome) => outcome.snapshot_id).length,
      listings: ok.reduce((n, outcome) => n + outcome.listings, 0),
      retries: all.reduce((n, outcome) => n + outcome.retries, 0),
      error: notes.length ? notes.join('; ') : null,
    };
  }
}
