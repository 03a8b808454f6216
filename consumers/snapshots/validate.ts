// Record-level contract checks: values no scraper could have produced make the whole record poison
// (dead-letter topic). Listing-level faults (bad prices, bad quantities) are not poison: the metrics
// reject and count those listings and keep the rest of the snapshot.
import { PoisonRecordError } from '../../lib/errors.ts';
import type { ListingSnapshot } from '../../lib/model.ts';

const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_LISTINGS = 200_000;

export function validateSnapshot(s: ListingSnapshot, now = Date.now()): void {
  const bad = (why: string) => new PoisonRecordError(`impossible snapshot: ${why}`, 'invalid');
  if (!s.snapshot_id) throw bad('empty snapshot_id');
  if (!s.event_id) throw bad('empty event_id');
  if (!Number.isFinite(s.scraped_at) || s.scraped_at < EARLIEST) throw bad(`scraped_at ${s.scraped_at} is before 2000`);
  if (s.scraped_at > now + 86_400_000)
    throw bad(`scraped_at ${new Date(s.scraped_at).toISOString()} is more than a day in the future`);
  let listings = 0;
  for (const z of s.zones) for (const sec of z.sections) listings += sec.listings.length;
  if (listings > MAX_LISTINGS) throw bad(`${listings} listings exceed ${MAX_LISTINGS}`);
}
