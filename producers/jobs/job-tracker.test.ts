// The job tracker's decisions, with plain outcomes and no broker: which outcomes count, when a job
// is complete, and what its completion record says for each way a job can end (success, partial,
// failed, a critical error, the deadline, a stop).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScrapeOutcome } from '../../lib/model.ts';
import { JobTracker, scrapeKey } from './job-tracker.ts';

const JOB = 'job-1';
const STARTED = 1_700_000_000_000;
const FINISHED = STARTED + 42_000;

function outcome(event_id: string, over: Partial<ScrapeOutcome> = {}): ScrapeOutcome {
  const ok = (over.status ?? 'ok') === 'ok';
  return {
    job_id: JOB,
    event_id,
    worker_id: 'w1',
    status: 'ok',
    error_kind: ok ? null : 'http',
    attempts: 1,
    retries: 0,
    snapshot_id: ok ? `snap-${event_id}` : null,
    listings: ok ? 10 : 0,
    rejected: 0,
    finished_at: STARTED + 1_000,
    ...over,
  };
}

const tracker = (...events: string[]) => new JobTracker(JOB, STARTED, new Set(events));

describe('JobTracker.record', () => {
  it('counts an outcome of this job for a planned event', () => {
    const t = tracker('e1', 'e2');
    expect(t.record(outcome('e1'))).toBe(true);
    expect(t.complete).toBe(false);
    expect(t.record(outcome('e2', { status: 'failed' }))).toBe(true);
    expect(t.complete).toBe(true);
  });

  it("ignores another job's outcome, an unplanned event, and a repeat (the first one wins)", () => {
    const t = tracker('e1', 'e2');
    expect(t.record(outcome('e1', { job_id: 'job-0' }))).toBe(false);
    expect(t.record(outcome('e9'))).toBe(false);
    expect(t.record(outcome('e1', { listings: 7 }))).toBe(true);
    expect(t.record(outcome('e1', { status: 'failed', listings: 99 }))).toBe(false);
    expect(t.complete).toBe(false);
    const done = t.completionRecord(FINISHED);
    expect(done).toMatchObject({ events_succeeded: 1, events_failed: 1, listings: 7 });
  });

  it('plans one scrape per event and source: each source of an event counts on its own', () => {
    const t = new JobTracker(JOB, STARTED, new Set([scrapeKey('e1', 'vividseats'), scrapeKey('e1', 'gametime')]));
    expect(t.record(outcome('e1', { source: 'gametime', status: 'failed' }))).toBe(true);
    expect(t.record(outcome('e1', { source: 'gametime' }))).toBe(false);
    expect(t.record(outcome('e1', { source: 'stubhub' }))).toBe(false);
    expect(t.complete).toBe(false);
    // An outcome without a source (an older worker) answers the first scrape still open.
    expect(t.record(outcome('e1'))).toBe(true);
    expect(t.complete).toBe(true);
    expect(t.completionRecord(FINISHED)).toMatchObject({ status: 'partial', events_planned: 2, events_failed: 1 });
  });

  it('is complete at once when nothing was planned', () => {
    expect(tracker().complete).toBe(true);
  });
});

describe('JobTracker.startRecord', () => {
  it('announces a running job with its plan and nothing done', () => {
    expect(tracker('e1', 'e2', 'e3').startRecord()).toEqual({
      job_id: JOB,
      status: 'running',
      started_at: STARTED,
      finished_at: null,
      events_planned: 3,
      events_succeeded: 0,
      events_failed: 0,
      events_cancelled: 0,
      snapshots: 0,
      listings: 0,
      retries: 0,
      error: null,
    });
  });
});

describe('JobTracker.completionRecord', () => {
  it('success: every planned event ok; sums listings and retries, counts snapshots', () => {
    const t = tracker('e1', 'e2');
    t.record(outcome('e1', { listings: 10, retries: 1 }));
    t.record(outcome('e2', { listings: 5, retries: 2 }));
    expect(t.completionRecord(FINISHED)).toEqual({
      job_id: JOB,
      status: 'success',
      started_at: STARTED,
      finished_at: FINISHED,
      events_planned: 2,
      events_succeeded: 2,
      events_failed: 0,
      events_cancelled: 0,
      snapshots: 2,
      listings: 15,
      retries: 3,
      error: null,
    });
  });

  it('partial: some ok, some failed; listings only from the ok ones, retries from all', () => {
    const t = tracker('e1', 'e2', 'e3');
    t.record(outcome('e1', { listings: 10, retries: 0 }));
    t.record(outcome('e2', { status: 'failed', retries: 2, listings: 4 }));
    t.record(outcome('e3', { status: 'failed', retries: 2 }));
    expect(t.completionRecord(FINISHED)).toMatchObject({
      status: 'partial',
      events_succeeded: 1,
      events_failed: 2,
      events_cancelled: 0,
      snapshots: 1,
      listings: 10,
      retries: 4,
      error: null,
    });
  });

  it('failed: no event ok', () => {
    const t = tracker('e1', 'e2');
    t.record(outcome('e1', { status: 'failed' }));
    t.record(outcome('e2', { status: 'failed' }));
    expect(t.completionRecord(FINISHED)).toMatchObject({ status: 'failed', events_succeeded: 0, events_failed: 2 });
  });

  it('an ok outcome without a snapshot id (nothing to publish) counts as succeeded, not as a snapshot', () => {
    const t = tracker('e1', 'e2');
    t.record(outcome('e1'));
    t.record(outcome('e2', { snapshot_id: null, listings: 0 }));
    expect(t.completionRecord(FINISHED)).toMatchObject({ status: 'success', events_succeeded: 2, snapshots: 1 });
  });

  it('at the deadline, events without an outcome count as failed and are named in the error', () => {
    const t = tracker('e1', 'e2', 'e3');
    t.record(outcome('e1'));
    expect(t.completionRecord(FINISHED)).toMatchObject({
      status: 'partial',
      events_succeeded: 1,
      events_failed: 2,
      events_cancelled: 0,
      error: '2 event(s) without an outcome by the deadline',
    });
    expect(tracker('e1').completionRecord(FINISHED)).toMatchObject({ status: 'failed', events_failed: 1 });
  });

  it('a critical error fails the job whatever the outcomes, and leads the error text', () => {
    const t = tracker('e1', 'e2');
    t.record(outcome('e1'));
    expect(t.completionRecord(FINISHED, { critical: 'catalog unavailable' })).toMatchObject({
      status: 'failed',
      events_succeeded: 1,
      events_failed: 1,
      error: 'catalog unavailable; 1 event(s) without an outcome by the deadline',
    });
    const all = tracker('e1');
    all.record(outcome('e1'));
    expect(all.completionRecord(FINISHED, { critical: 'publish failed' })).toMatchObject({
      status: 'failed',
      error: 'publish failed',
    });
  });

  it('cancelled by a stop: the missing events are cancelled, not failed, and the finished ones keep their result', () => {
    const t = tracker('e1', 'e2', 'e3', 'e4');
    t.record(outcome('e1', { listings: 3 }));
    t.record(outcome('e2', { status: 'failed' }));
    expect(t.completionRecord(FINISHED, { cancelled: true })).toEqual({
      job_id: JOB,
      status: 'cancelled',
      started_at: STARTED,
      finished_at: FINISHED,
      events_planned: 4,
      events_succeeded: 1,
      events_failed: 1,
      events_cancelled: 2,
      snapshots: 1,
      listings: 3,
      retries: 0,
      error: '2 event(s) cancelled by a stop',
    });
  });

  it('a stop before any outcome cancels every event; a critical error still wins over the stop', () => {
    expect(tracker('e1', 'e2').completionRecord(FINISHED, { cancelled: true })).toMatchObject({
      status: 'cancelled',
      events_failed: 0,
      events_cancelled: 2,
    });
    expect(tracker('e1').completionRecord(FINISHED, { cancelled: true, critical: 'boom' })).toMatchObject({
      status: 'failed',
      events_failed: 0,
      events_cancelled: 1,
      error: 'boom; 1 event(s) cancelled by a stop',
    });
  });

  it('for any outcomes: every planned event is counted exactly once, and the status follows from the counts', () => {
    const status = fc.constantFrom('ok', 'failed', 'missing', 'missing');
    fc.assert(
      fc.property(
        fc.array(status, { minLength: 0, maxLength: 12 }),
        fc.boolean(),
        fc.option(fc.constant('critical'), { nil: undefined }),
        (plan, cancelled, critical) => {
          const events = plan.map((_, i) => `e${i}`);
          const t = tracker(...events);
          plan.forEach((s, i) => {
            if (s !== 'missing') t.record(outcome(`e${i}`, { status: s as ScrapeOutcome['status'], retries: i }));
          });
          const r = t.completionRecord(FINISHED, { cancelled, critical });
          // Worked out from the plan alone.
          const ok = plan.filter((s) => s === 'ok').length;
          const failed = plan.filter((s) => s === 'failed').length;
          const missing = plan.filter((s) => s === 'missing').length;
          expect(r.events_planned).toBe(plan.length);
          expect(r.events_succeeded).toBe(ok);
          expect(r.events_failed).toBe(failed + (cancelled ? 0 : missing));
          expect(r.events_cancelled).toBe(cancelled ? missing : 0);
          expect(r.events_succeeded + r.events_failed + r.events_cancelled).toBe(plan.length);
          expect(r.snapshots).toBe(ok);
          expect(r.listings).toBe(ok * 10);
          expect(r.retries).toBe(plan.reduce((n, s, i) => n + (s === 'missing' ? 0 : i), 0));
          const expected = critical
            ? 'failed'
            : cancelled
              ? 'cancelled'
              : failed + missing === 0
                ? 'success'
                : ok > 0
                  ? 'partial'
                  : 'failed';
          expect(r.status).toBe(expected);
          expect(r.error === null).toBe(!critical && missing === 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
