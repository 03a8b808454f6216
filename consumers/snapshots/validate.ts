// Record-level contract checks: values no scraper could have produced make the whole record poison
// (dead-letter topic). Listing-level faults (bad prices, bad quantities) are not poison: the metrics
// reject and count those listings and keep the rest of the snapshot.
import { PoisonRecordError } from '../../lib/errors.ts';
import type { ListingSnapshot } from '../../lib/model.ts';
import { checkTime } from '../../lib/records/plausible.ts';

const MAX_LISTINGS = 200_000;

export function validateSnapshot(s: ListingSnapshot, now = Date.now()): void {
  const bad = (why: string) => new PoisonRecordError(`impossible snapshot: ${why}`, 'invalid');
  if (!s.snapshot_id) throw bad('empty snapshot_id');
  if (!s.event_id) throw bad('empty event_id');
  checkTime('scraped_at', s.scraped_at, 'observed', now);
  checkTime('event_starts_at', s.event_starts_at, 'planned', now);
  let listings = 0;
  for (const z of s.zones) for (const sec of z.sections) listings += sec.listings.length;
  if (listings > MAX_LISTINGS) throw bad(`${listings} listings exceed ${MAX_LISTINGS}`);
}
