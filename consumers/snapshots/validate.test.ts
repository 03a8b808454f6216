// The snapshot header's contract checks: what makes a record poison (dead-letter `invalid`), and
// what passes. The listings are ClickHouse's to judge; these are the fields JavaScript reads.
import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../../lib/errors.ts';
import type { SnapshotHeader } from './header.ts';
import { validateSnapshotHeader } from './validate.ts';

const NOW = Date.UTC(2026, 10, 30, 12);
const good: SnapshotHeader = {
  snapshot_id: '7d0b6c2e-0f5e-4a57-9d7e-2d1c7f0f7a11',
  job_id: 'job-1',
  event_id: 'simulated-5000001',
  source: 'simulated',
  source_event_id: '5000001',
  scraped_at: NOW - 60_000,
  event_starts_at: NOW + 7 * 86_400_000,
};

const poison = (h: Partial<SnapshotHeader>): PoisonRecordError => {
  try {
    validateSnapshotHeader(h, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect((err as PoisonRecordError).reason).toBe('invalid');
    return err as PoisonRecordError;
  }
  throw new Error(`accepted ${JSON.stringify(h)}`);
};

describe('validateSnapshotHeader', () => {
  it('accepts a plausible header, with or without a start time', () => {
    expect(() => validateSnapshotHeader(good, NOW)).not.toThrow();
    expect(() => validateSnapshotHeader({ ...good, event_starts_at: null }, NOW)).not.toThrow();
    // A source the registry does not know (another producer's) is still a source.
    expect(() => validateSnapshotHeader({ ...good, source: 'stubhub' }, NOW)).not.toThrow();
  });

  it('refuses empty or overlong ids, naming the field', () => {
    expect(poison({ ...good, snapshot_id: '' }).message).toContain('empty snapshot_id');
    expect(poison({ ...good, event_id: '' }).message).toContain('empty event_id');
    expect(poison({ ...good, event_id: 'e'.repeat(513) }).message).toContain('event_id longer than 512');
    expect(() => validateSnapshotHeader({ ...good, event_id: 'e'.repeat(512) }, NOW)).not.toThrow();
  });

  it('refuses an empty source: it would count as a pre-sources row and be counted twice', () => {
    expect(poison({ ...good, source: '' }).message).toContain('empty source');
    expect(poison({ ...good, source: 's'.repeat(65) }).message).toContain('source longer than 64');
  });

  it('refuses times no scraper could have written', () => {
    expect(poison({ ...good, scraped_at: undefined }).message).toContain('no scraped_at');
    expect(poison({ ...good, scraped_at: NOW + 2 * 86_400_000 }).message).toContain('scraped_at');
    expect(poison({ ...good, scraped_at: Date.UTC(1999, 11, 31) }).message).toContain('scraped_at');
    expect(poison({ ...good, event_starts_at: Date.UTC(2101, 0, 1) }).message).toContain('event_starts_at');
    // Clock skew of less than a day is tolerated.
    expect(() => validateSnapshotHeader({ ...good, scraped_at: NOW + 3_600_000 }, NOW)).not.toThrow();
  });
});
