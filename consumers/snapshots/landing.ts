// The INSERT of an offset range: the records' Avro bytes, as Kafka holds them, into
// `snapshot_landing`, decoded by ClickHouse (format AvroConfluent, schemas fetched from the registry
// by id) and turned into every snapshot table by the ingest views (views.ts).
//
// Records are grouped by writer schema: ClickHouse maps nested records onto Tuples by field count,
// so each schema version gets its own structure and a projection onto the table's columns
// (lib/clickhouse/avro-structure.ts), and one range may mix versions. Groups are cut at
// LANDING_CHUNK_BYTES, deterministically, so a replay sends the same inserts.
import { project, structureOf, type AvroType } from '../../lib/clickhouse/avro-structure.ts';
import { sqlString } from '../../lib/clickhouse/inline-params.ts';
import { LIFECYCLE_DEFAULTS, type LifecycleSettings } from '../lifecycle/settings.ts';

export interface LandingRecord {
  partition: number;
  offset: bigint;
  schemaId: number;
  snapshotId: string;
  /** The Kafka record value: magic byte, schema id, Avro body. */
  value: Buffer;
}

export interface LandingSettings {
  /** All sources (all-sources-views.ts): the dedupe tolerance and how old another source's snapshot may be. */
  allSources?: { dedupeTolerance: number; maxAgeSeconds: number };
  outlierRatio: number;
  excludeOutliers: boolean;
  keepRawListings: boolean;
  /** The listing lifecycle's rules (consumers/lifecycle); LIFECYCLE_DEFAULTS when absent. */
  lifecycle?: LifecycleSettings;
}

/** One INSERT: the decoded rows `w` of `body` (read with `structure`) through `select`. */
export interface LandingPart {
  schemaId: number;
  structure: string;
  select: string;
  body: Buffer;
}

/** Bytes per INSERT at most (a record is never split): bounds the engine's memory per insert. */
export const LANDING_CHUNK_BYTES = 32 * 1024 * 1024;
/** The all-sources settings, after the record's fields (selectList adds them in this order). */
const ALL_SOURCES_COLUMNS = ['dedupe_tolerance', 'peer_max_age_seconds'];
const ALL_SOURCES_DEFAULTS = { dedupeTolerance: 0.02, maxAgeSeconds: 3600 };

const KAFKA_COLUMNS = [
  'kafka_partition',
  'kafka_offset',
  'outlier_ratio',
  'exclude_outliers',
  'keep_raw_listings',
  'relist_window_hours',
  'event_end_cutoff_minutes',
];

/** The landing table's columns: the reader schema's fields, then the Kafka position and settings. */
export function landingColumns(reader: AvroType): string[] {
  const fields = project(reader, reader).map((e) => e.slice(e.lastIndexOf(' AS ') + 4));
  return [...fields, ...ALL_SOURCES_COLUMNS, ...KAFKA_COLUMNS];
}

/** The inserts for `records` (one partition, offset-ordered, non-empty). */
export function landingParts(
  records: readonly LandingRecord[],
  reader: AvroType,
  writers: ReadonlyMap<number, AvroType>,
  settings: LandingSettings,
): LandingPart[] {
  const parts: LandingPart[] = [];
  for (const [schemaId, group] of groupBySchema(records)) {
    const writer = writers.get(schemaId);
    if (!writer) throw new Error(`writer schema ${schemaId} was not loaded`);
    const projection = project(reader, writer, 'w.');
    const structure = structureOf(writer);
    for (const chunk of chunksOf(group)) {
      parts.push({
        schemaId,
        structure,
        select: selectList(projection, chunk, settings),
        body: Buffer.concat(chunk.map((r) => r.value)),
      });
    }
  }
  return parts;
}

function groupBySchema(records: readonly LandingRecord[]): Map<number, LandingRecord[]> {
  const groups = new Map<number, LandingRecord[]>();
  for (const r of records) {
    let group = groups.get(r.schemaId);
    if (!group) groups.set(r.schemaId, (group = []));
    group.push(r);
  }
  return groups;
}

function chunksOf(group: LandingRecord[]): LandingRecord[][] {
  const chunks: LandingRecord[][] = [[]];
  let bytes = 0;
  for (const r of group) {
    if (bytes > 0 && bytes + r.value.length > LANDING_CHUNK_BYTES) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push(r);
    bytes += r.value.length;
  }
  return chunks;
}

/**
 * The SELECT list: the record's fields as the table reads them, and per record its Kafka offset,
 * matched by snapshot id (unique in an insert: copies were dropped before), not by position.
 */
function selectList(projection: string[], records: LandingRecord[], s: LandingSettings): string {
  const lifecycle = s.lifecycle ?? LIFECYCLE_DEFAULTS;
  const ids = records.map((r) => sqlString(r.snapshotId)).join(', ');
  const offsets = records.map((r) => r.offset.toString()).join(', ');
  return [
    ...projection,
    `toFloat64(${(s.allSources ?? ALL_SOURCES_DEFAULTS).dedupeTolerance}) AS dedupe_tolerance`,
    `toUInt32(${Math.trunc((s.allSources ?? ALL_SOURCES_DEFAULTS).maxAgeSeconds)}) AS peer_max_age_seconds`,
    `toUInt32(${records[0]!.partition}) AS kafka_partition`,
    `transform(w.snapshot_id, [${ids}], CAST([${offsets}] AS Array(UInt64)), toUInt64(0)) AS kafka_offset`,
    `toFloat64(${s.outlierRatio}) AS outlier_ratio`,
    `${s.excludeOutliers} AS exclude_outliers`,
    `${s.keepRawListings} AS keep_raw_listings`,
    `toUInt32(${Math.trunc(lifecycle.relistWindowHours)}) AS relist_window_hours`,
    `toUInt32(${Math.trunc(lifecycle.eventEndCutoffMinutes)}) AS event_end_cutoff_minutes`,
  ].join(',\n  ');
}
