// The topic catalog: names, schemas, partitions and retention. Topic names and their Avro schemas
// are a public contract (docs/topics.md); a breaking change gets a new `.vN` topic.
import type { AlertNotification, AlertRuleRecord } from '../alerts/model.ts';
import type {
  CatalogEvent,
  ListingChangeRecord,
  ListingSnapshot,
  ScrapeJob,
  ScrapeLog,
  ScrapeOutcome,
  ScrapeRequest,
  ZoneMetricsRecord,
  ZoneRollupRecord,
} from '../model.ts';

export interface TopicSpec {
  /** Name without the prefix, e.g. `listings.snapshots.v1`. */
  suffix: string;
  /** File under schemas/ (without .avsc); undefined for the raw dead-letter topic. */
  schema?: string;
  compacted?: boolean;
  retentionHours?: number;
  /** Defaults to the configured partition count. */
  partitions?: number;
}

export const TOPICS = {
  catalog: { suffix: 'catalog.events.v1', schema: 'EventCatalogEntry', compacted: true, partitions: 3 },
  scrapeRequests: { suffix: 'scrape.requests.v1', schema: 'ScrapeRequest', retentionHours: 24 },
  scrapeOutcomes: { suffix: 'scrape.outcomes.v1', schema: 'ScrapeOutcome', retentionHours: 24 * 7 },
  scrapeLogs: { suffix: 'scrape.logs.v1', schema: 'ScrapeLog', retentionHours: 24 * 30 },
  scrapeJobs: { suffix: 'scrape.jobs.v1', schema: 'ScrapeJob', retentionHours: 24 * 30, partitions: 1 },
  snapshots: { suffix: 'listings.snapshots.v1', schema: 'ListingSnapshot' },
  zoneMetrics: { suffix: 'metrics.zones.v1', schema: 'ZoneMetrics', retentionHours: 24 * 7 },
  rollups: { suffix: 'rollups.zones.v1', schema: 'ZoneRollup', retentionHours: 24 * 30 },
  deadLetter: { suffix: 'deadletter.v1', retentionHours: 24 * 30 },
  /** Price-alert rules (docs/alerts.md): latest version per rule_id, targets sealed. */
  alertRules: { suffix: 'alerts.rules.v1', schema: 'AlertRule', compacted: true, partitions: 3 },
  alerts: { suffix: 'alerts.v1', schema: 'AlertNotification', retentionHours: 24 * 30 },
  /** Listing lifecycle (docs/topics.md): one record per listing change, at-least-once. */
  listingChanges: { suffix: 'listings.changes.v1', schema: 'ListingChange', retentionHours: 24 * 7 },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPICS;

/** The record type each Avro topic carries: AvroProducer.send accepts only that type for the topic. */
export interface TopicRecords {
  catalog: CatalogEvent;
  scrapeRequests: ScrapeRequest;
  scrapeOutcomes: ScrapeOutcome;
  scrapeLogs: ScrapeLog;
  scrapeJobs: ScrapeJob;
  snapshots: ListingSnapshot;
  zoneMetrics: ZoneMetricsRecord;
  rollups: ZoneRollupRecord;
  alertRules: AlertRuleRecord;
  alerts: AlertNotification;
  listingChanges: ListingChangeRecord;
}

/** Topics whose values are Avro records: every one but the raw dead-letter topic. */
export type AvroTopicKey = { [K in TopicKey]: (typeof TOPICS)[K] extends { schema: string } ? K : never }[TopicKey];

// A topic with a schema but no record type above (or the reverse) fails to compile here.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const _everyAvroTopicHasItsRecordType: SameKeys<keyof TopicRecords, AvroTopicKey> = true;

export type TopicNames = Record<TopicKey, string>;

export function topicNames(prefix: string): TopicNames {
  const out = {} as TopicNames;
  for (const [key, spec] of Object.entries(TOPICS) as [TopicKey, TopicSpec][]) out[key] = `${prefix}.${spec.suffix}`;
  return out;
}

/** Confluent TopicNameStrategy: the value schema of topic T lives under subject `T-value`. */
export const valueSubject = (topic: string): string => `${topic}-value`;

/** Headers that the dead-letter topic carries (docs/topics.md). */
export const DLQ_HEADERS = {
  error: 'tws.dlq.error',
  reason: 'tws.dlq.reason',
  topic: 'tws.dlq.original.topic',
  partition: 'tws.dlq.original.partition',
  offset: 'tws.dlq.original.offset',
  consumerGroup: 'tws.dlq.consumer.group',
  failedAt: 'tws.dlq.failed.at',
} as const;

/** The headers of a dead-lettered record (docs/topics.md), the same from every consumer. */
export function deadLetterHeaders(
  err: Error & { code?: string; reason?: string },
  meta: { topic: string; partition: number; offset: string },
  group: string,
) {
  return {
    [DLQ_HEADERS.error]: err.message.slice(0, 1000),
    [DLQ_HEADERS.reason]: err.reason ?? err.code ?? 'unknown',
    [DLQ_HEADERS.topic]: meta.topic,
    [DLQ_HEADERS.partition]: String(meta.partition),
    [DLQ_HEADERS.offset]: meta.offset,
    [DLQ_HEADERS.consumerGroup]: group,
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
}
