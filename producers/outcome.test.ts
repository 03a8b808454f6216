import { describe, expect, it } from 'vitest';
import { scrapeOutcome } from './outcome.ts';

const req = { job_id: 'job-1', event_id: 'evt-1' };

describe('scrapeOutcome', () => {
  it('an ok scrape carries its snapshot and counts, and no error kind', () => {
    expect(
      scrapeOutcome(req, 'w1', 1_000, {
        status: 'ok',
        attempts: 2,
        retries: 1,
        snapshotId: 'snap-1',
        listings: 40,
        rejected: 3,
      }),
    ).toEqual({
      job_id: 'job-1',
      event_id: 'evt-1',
      worker_id: 'w1',
      status: 'ok',
      error_kind: null,
      attempts: 2,
      retries: 1,
      snapshot_id: 'snap-1',
      listings: 40,
      rejected: 3,
      finished_at: 1_000,
    });
  });

  it('a failed or expired scrape has its kind, no snapshot and zero counts', () => {
    for (const status of ['failed', 'expired'] as const) {
      expect(scrapeOutcome(req, 'w1', 2_000, { status, kind: 'timeout', attempts: 3, retries: 2 })).toEqual({
        job_id: 'job-1',
        event_id: 'evt-1',
        worker_id: 'w1',
        status,
        error_kind: 'timeout',
        attempts: 3,
        retries: 2,
        snapshot_id: null,
        listings: 0,
        rejected: 0,
        finished_at: 2_000,
      });
    }
  });
});
