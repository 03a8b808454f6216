// The lifecycle's side output: the listing changes ClickHouse wrote for a range, read back and
// published to tws.listings.changes.v1 before the range's ledger says `after` (at-least-once on the
// topic; a retried or replayed range publishes the same records again, with the same change_id).
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { changesOf } from './queries.ts';

/** Records per send: a baseline of a big event is thousands of changes at once. */
const SEND_CHUNK = 5_000;

export async function publishListingChanges(
  store: Store,
  producer: AvroProducer,
  snapshots: Array<{ event_id: string; scraped_at: number; snapshot_id: string }>,
): Promise<number> {
  const changes = await changesOf(store, snapshots);
  for (let i = 0; i < changes.length; i += SEND_CHUNK)
    await producer.send(
      'listingChanges',
      changes.slice(i, i + SEND_CHUNK).map((c) => ({ key: c.event_id, value: c })),
    );
  return changes.length;
}
