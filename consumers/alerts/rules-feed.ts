// The compacted rules topic read as a table: a consumer with a group of its own (so every alerter,
// and the CLI, sees every rule) reads from the beginning, keeps the latest version of each rule in
// a RuleIndex, and says when it has caught up with the end the topic had when it started. It then
// stays subscribed, so rules added later (API, CLI) take effect without a restart.
import { randomBytes } from 'node:crypto';
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';
import { startAvroConsumer, type AvroConsumerOptions, type RecordMeta } from '../../lib/kafka/avro-consumer.ts';
import { deleteConsumerGroup, topicEndOffsets } from '../../lib/kafka/topic-offsets.ts';
import type { Logger } from '../../lib/logger.ts';
import { checkTime } from '../../lib/records/plausible.ts';
import { PoisonRecordError } from '../../lib/errors.ts';
import type { RuleIndex } from './rule-index.ts';

type Opts = AvroConsumerOptions<AlertRuleRecord>;

export interface RulesFeedOptions {
  kafka: Opts['kafka'];
  codec: Opts['codec'];
  topic: string;
  /** The feed's group is `<groupPrefix>-rules-<random>`, deleted again on stop. */
  groupPrefix: string;
  index: RuleIndex;
  log: Logger;
  /** Called for every new version, in order (the alerter upserts `alert_rules`). */
  onRule?: (r: AlertRuleRecord) => Promise<void>;
  onPoison: Opts['onPoison'];
  maxRecordBytes?: number;
}

export interface RulesFeed {
  /** Resolves once every rule published before start() is in the index. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function checkRule(r: AlertRuleRecord, now = Date.now()): void {
  if (!r.rule_id) throw new PoisonRecordError('empty rule_id', 'invalid');
  if (!r.event_id) throw new PoisonRecordError('empty event_id', 'invalid');
  checkTime('created_at', r.created_at, 'observed', now);
  checkTime('updated_at', r.updated_at, 'observed', now);
}

export async function startRulesFeed(opts: RulesFeedOptions): Promise<RulesFeed> {
  const ends = await topicEndOffsets(opts.kafka, opts.topic);
  const done = new Map<number, bigint>();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const caughtUp = () => [...ends].every(([p, { low, high }]) => high <= low || (done.get(p) ?? -1n) >= high - 1n);
  const mark = (meta: RecordMeta) => {
    const o = BigInt(meta.offset);
    if (o > (done.get(meta.partition) ?? -1n)) done.set(meta.partition, o);
    if (caughtUp()) markReady();
  };
  if (caughtUp()) markReady();
  const groupId = `${opts.groupPrefix}-rules-${randomBytes(6).toString('hex')}`;
  const running = await startAvroConsumer<AlertRuleRecord>({
    kafka: opts.kafka,
    groupId,
    topic: opts.topic,
    codec: opts.codec,
    log: opts.log,
    fromBeginning: true,
    ...(opts.maxRecordBytes ? { maxRecordBytes: opts.maxRecordBytes } : {}),
    validate: (r) => checkRule(r),
    onRecord: async (r, meta) => {
      const known = opts.index.get(r.rule_id);
      if (!known || known.version < r.version) {
        // The table first: if it fails, the batch comes again and finds the rule still new.
        await opts.onRule?.(r);
        opts.index.put(r);
      }
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
