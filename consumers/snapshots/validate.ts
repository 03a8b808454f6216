// Record-level contract checks on the fields JavaScript reads (the header): values no scraper could
// have produced make the whole record poison (dead-letter topic). Listing-level faults (bad prices,
// bad quantities) are not poison: ClickHouse rejects and counts those listings and keeps the rest.
// The number of listings is bounded by the record size (TWS_MAX_RECORD_BYTES), checked before this.
import { PoisonRecordError } from '../../lib/errors.ts';
import { checkTime } from '../../lib/records/plausible.ts';
import type { SnapshotHeader } from './header.ts';

const MAX_ID_LENGTH = 512;
/** Source names are short identifiers (lib/sources/registry.ts); another producer's may be new to us. */
const MAX_SOURCE_LENGTH = 64;

export function validateSnapshotHeader(h: Partial<SnapshotHeader>, now = Date.now()): void {
  const bad = (why: string) => new PoisonRecordError(`impossible snapshot: ${why}`, 'invalid');
  for (const field of ['snapshot_id', 'event_id'] as const) {
    const v = h[field];
    if (typeof v !== 'string' || v === '') throw bad(`empty ${field}`);
    if (v.length > MAX_ID_LENGTH) throw bad(`${field} longer than ${MAX_ID_LENGTH} characters`);
  }
  // An empty source would read as a row written before sources existed (source = ''), which the
  // all-sources rollups count besides the all-sources rows: the scrape would count twice.
  if (typeof h.source !== 'string' || h.source === '') throw bad('empty source');
  if (h.source.length > MAX_SOURCE_LENGTH) throw bad(`source longer than ${MAX_SOURCE_LENGTH} characters`);
  if (typeof h.scraped_at !== 'number') throw bad('no scraped_at');
  checkTime('scraped_at', h.scraped_at, 'observed', now);
  checkTime('event_starts_at', h.event_starts_at ?? null, 'planned', now);
}
