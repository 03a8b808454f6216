// The Kafka client (createKafka) and topic admin. Only lib/kafka touches kafkajs; what leaves it is
// the opaque `Kafka` handle and project types (native.ts), so @confluentinc/kafka-javascript or
// @platformatic/kafka could replace kafkajs inside lib/kafka alone.
import { CompressionTypes, Kafka as KafkaJs, logLevel, type LogEntry } from 'kafkajs';
import type { Config } from '../config.ts';
import { BrokerUnavailableError, isRetriable } from '../errors.ts';
import { retry } from '../retry.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_MAX_RECORD_BYTES } from './record-checks.ts';
import { checkKafkaAccess, kafkaAccessError, kafkaSecurityOptions } from './security.ts';
import { TOPICS, topicNames, type TopicKey, type TopicSpec } from './topics.ts';
import { TransientStates } from './transient-states.ts';
import { native, sessionTimeouts, withAdmin, wrap, type Kafka } from './native.ts';

export type { Kafka };

const levelName: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Known, deliberate choices that kafkajs warns about on every start (see createProducer).
const QUIET = ['Limiting retries for the idempotent producer', 'switched default partitioner'];

export function createKafka(cfg: Config['kafka'], log: Logger, clientId = cfg.clientId): Kafka {
  const kafka = wrap(
    new KafkaJs({
      clientId,
      brokers: cfg.brokers,
      ...kafkaSecurityOptions(cfg.security),
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
      logLevel: logLevel.WARN,
      logCreator: () => {
        // Start-up and rebalance states log at debug unless they outlast a bound (transient-states.ts).
        const transient = new TransientStates();
        return ({ level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          if (QUIET.some((q) => message.includes(q))) return;
          const seen = transient.see(`${message} ${String(rest.error ?? '')}`);
          const fields = seen ? { kafka: rest, transient: seen.state, lasted_ms: seen.lastedMs } : { kafka: rest };
          log[seen?.level ?? levelName[level] ?? 'info'](fields, `kafkajs: ${message}`);
        };
      },
    }),
  );
  if (cfg.sessionTimeoutMs) sessionTimeouts.set(kafka, cfg.sessionTimeoutMs);
  return kafka;
}

export const COMPRESSION = CompressionTypes.GZIP;

/** Creates the project's topics if missing, with explicit partitions, retention and compaction. */
export async function ensureTopics(kafka: Kafka, cfg: Config['kafka'], only?: TopicKey[]): Promise<string[]> {
  // The first contact of every role: a wrong credential or certificate fails here, at once.
  await checkKafkaAccess(cfg);
  // Metadata settles a moment after a topic is created elsewhere: retry the transient answers.
  return retry(() => createMissingTopics(kafka, cfg, only), {
    attempts: 5,
    initialDelayMs: 300,
    maxDelayMs: 3_000,
    jitter: 0.5,
    shouldRetry: isRetriable,
  });
}

async function createMissingTopics(kafka: Kafka, cfg: Config['kafka'], only?: TopicKey[]): Promise<string[]> {
  const names = topicNames(cfg.topicPrefix);
  const admin = native(kafka).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const wanted = (Object.entries(TOPICS) as [TopicKey, TopicSpec][]).filter(([key]) => !only || only.includes(key));
    const topics = wanted
      .filter(([key]) => !existing.has(names[key]))
      .map(([key, spec]) => ({
        topic: names[key],
        numPartitions: spec.partitions ?? cfg.partitions,
        replicationFactor: -1,
        configEntries: [
          { name: 'cleanup.policy', value: spec.compacted ? 'compact' : 'delete' },
          ...(spec.compacted
            ? [{ name: 'min.cleanable.dirty.ratio', value: '0.1' }]
            : [
                {
                  name: 'retention.ms',
                  value: String((spec.retentionHours ?? cfg.snapshotRetentionHours) * 3_600_000),
                },
              ]),
          { name: 'max.message.bytes', value: String(DEFAULT_MAX_RECORD_BYTES) },
        ],
      }));
    if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
    return topics.map((t) => t.topic);
  } catch (err) {
    throw (
      kafkaAccessError(err, cfg.security) ??
      new BrokerUnavailableError(`could not create topics: ${(err as Error).message}`, err)
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  await deleteTopicsWhere(kafka, (t) => t.startsWith(`${prefix}.`));
}

/**
 * Deletes the topics `which` picks, a few hundred per request (a broker deletes thousands slowly), and
 * returns their names. `timeoutMs`: how long the broker may take per request (kafkajs' default else).
 */
export async function deleteTopicsWhere(
  kafka: Kafka,
  which: (topic: string) => boolean,
  opts: { timeoutMs?: number } = {},
): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const topics = (await admin.listTopics()).filter(which);
    for (let i = 0; i < topics.length; i += 200)
      await admin.deleteTopics({
        topics: topics.slice(i, i + 200),
        ...(opts.timeoutMs !== undefined && { timeout: opts.timeoutMs }),
      });
    return topics;
  });
}

/** Total lag of a consumer group over the given topics (end offset minus committed offset). */
export async function consumerLag(kafka: Kafka, groupId: string, topics: string[]): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of ends) {
        const c = committed?.partitions.find((x) => x.partition === p.partition);
        const cOff = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        lag += Math.max(0, Number(p.high) - cOff);
      }
    }
    return lag;
  });
}
