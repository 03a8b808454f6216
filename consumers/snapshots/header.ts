// The fields of a ListingSnapshot that JavaScript reads: the ones before `zones` in
// schemas/ListingSnapshot.avsc, for routing, plausibility checks and duplicate lookups. The
// listings themselves are only ever decoded by ClickHouse.
import { HeaderDecoder } from '../../lib/registry/header-decoder.ts';

export interface SnapshotHeader {
  snapshot_id: string;
  job_id: string;
  event_id: string;
  source: string;
  source_event_id: string;
  scraped_at: number;
  event_starts_at: number | null;
}

export const SNAPSHOT_HEADER = new HeaderDecoder<SnapshotHeader>([
  'snapshot_id',
  'job_id',
  'event_id',
  'source',
  'source_event_id',
  'scraped_at',
  'event_starts_at',
]);

/** A snapshot record as the metrics consumer holds it: the header, and the bytes for ClickHouse. */
export interface SnapshotRecord {
  header: SnapshotHeader;
  schemaId: number;
  /** The Kafka record value, unchanged. */
  bytes: Buffer;
}
