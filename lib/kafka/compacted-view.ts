// A compacted topic read as a table: a consumer with a throwaway group of its own (so every reader
// sees every key) reads from the beginning and says when it has caught up with the end the topic had
// when it started; it then stays subscribed for later records. Used for the alert rules (the
// alerter keeps them in memory) and by CLI commands that need the rules or the catalog without
// opening ClickHouse (which `npm start` holds in embedded mode).
import { randomBytes } from 'node:crypto';
import { startAvroConsumer, type AvroConsumerOptions, type RecordMeta } from './avro-consumer.ts';
import { deleteConsumerGroup, topicEndOffsets } from './admin.ts';

export interface CompactedViewOptions<T> {
  kafka: AvroConsumerOptions<T>['kafka'];
  codec: AvroConsumerOptions<T>['codec'];
  topic: string;
  /** The view's group is `<groupPrefix>-view-<random>`, deleted again on stop. */
  groupPrefix: string;
  log: AvroConsumerOptions<T>['log'];
  validate?: (value: T) => void;
  onRecord: (value: T, meta: RecordMeta) => Promise<void>;
  onPoison: AvroConsumerOptions<T>['onPoison'];
  maxRecordBytes?: number;
}

export interface CompactedView {
  /** Resolves once every record published before the view started has been handled. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startCompactedView<T>(opts: CompactedViewOptions<T>): Promise<CompactedView> {
  const ends = await topicEndOffsets(opts.kafka, opts.topic);
  const done = new Map<number, bigint>();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  // A partition is caught up when its last offset is handled (the cleaner never removes the last one).
  const caughtUp = () => [...ends].every(([p, { low, high }]) => high <= low || (done.get(p) ?? -1n) >= high - 1n);
  const mark = (meta: RecordMeta) => {
    const o = BigInt(meta.offset);
    if (o > (done.get(meta.partition) ?? -1n)) done.set(meta.partition, o);
    if (caughtUp()) markReady();
  };
  if (caughtUp()) markReady();
  const groupId = `${opts.groupPrefix}-view-${randomBytes(6).toString('hex')}`;
  const running = await startAvroConsumer<T>({
    kafka: opts.kafka,
    groupId,
    topic: opts.topic,
    codec: opts.codec,
    log: opts.log,
    fromBeginning: true,
    ...(opts.maxRecordBytes ? { maxRecordBytes: opts.maxRecordBytes } : {}),
    ...(opts.validate ? { validate: opts.validate } : {}),
    onRecord: async (value, meta) => {
      await opts.onRecord(value, meta);
      mark(meta);
    },
    onPoison: async (err, message, meta) => {
      await opts.onPoison(err, message, meta);
      mark(meta);
    },
  });
  return {
    ready,
    async stop() {
      await running.stop();
      await deleteConsumerGroup(opts.kafka, groupId);
    },
  };
}

/** The latest value per key of a compacted topic (by `newer`), read once to its current end. */
export async function readCompacted<T>(
  opts: Omit<CompactedViewOptions<T>, 'onRecord'> & { key: (v: T) => string; newer?: (a: T, b: T) => boolean },
): Promise<Map<string, T>> {
  const latest = new Map<string, T>();
  const view = await startCompactedView<T>({
    ...opts,
    onRecord: async (v) => {
      const k = opts.key(v);
      const known = latest.get(k);
      if (known === undefined || (opts.newer ? opts.newer(v, known) : true)) latest.set(k, v);
    },
  });
  try {
    await view.ready;
  } finally {
    await view.stop();
  }
  return latest;
}
