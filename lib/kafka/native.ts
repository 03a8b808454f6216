// The one door from the project's Kafka handle to kafkajs, for the modules of lib/kafka only (lint
// forbids importing this file anywhere else). Outside lib/kafka a `Kafka` is opaque: it can be
// passed to lib/kafka's functions but offers no kafkajs method, so no kafkajs type or call can leak
// out through it; swapping the client library stays a change inside lib/kafka.
import { Partitioners, type Consumer, type ConsumerConfig, type Kafka as KafkaJs, type Producer } from 'kafkajs';

declare const opaque: unique symbol;

/** The project's handle on a Kafka cluster (createKafka). Opaque outside lib/kafka. */
export interface Kafka {
  readonly [opaque]: 'tws.Kafka';
}

// At run time too: the handle is a frozen object holding the client under a symbol nobody else has.
const INNER = Symbol('kafkajs client');
export const wrap = (kafka: KafkaJs): Kafka => Object.freeze({ [INNER]: kafka }) as unknown as Kafka;
export const native = (kafka: Kafka): KafkaJs => (kafka as unknown as { [INNER]: KafkaJs })[INNER];

/** Each client's session timeout for the consumers created from it (config.kafka.sessionTimeoutMs). */
export const sessionTimeouts = new WeakMap<Kafka, number>();

export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Idempotent (no duplicates from its own retries), acks=all, gzip-compressed batches, and the
 * murmur2 partitioner that Java clients use, so keys land where other producers put them.
 * Retries are bounded (kafkajs would like them unbounded for idempotence): a caller such as the
 * API must get an error to answer 503 with, and consumers dedupe by snapshot id anyway.
 */
export function createProducer(kafka: Kafka, opts: { transactionalId?: string } = {}): Producer {
  return native(kafka).producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    ...(opts.transactionalId ? { transactionalId: opts.transactionalId } : {}),
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
}

export function createConsumer(kafka: Kafka, groupId: string, extra: Partial<ConsumerConfig> = {}): Consumer {
  return native(kafka).consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: sessionTimeouts.get(kafka) ?? 30_000,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    ...extra,
  });
}

/** An admin client, connected for `work` and disconnected after it, whatever happens. */
export async function withAdmin<T>(
  kafka: Kafka,
  work: (admin: ReturnType<KafkaJs['admin']>) => Promise<T>,
): Promise<T> {
  const admin = native(kafka).admin();
  try {
    await admin.connect();
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
