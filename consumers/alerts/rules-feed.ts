// The alerter's rules: the compacted rules topic read as a table (lib/kafka/compacted-view.ts) into
// a RuleIndex, each new version upserted into `alert_rules` first. The view stays subscribed, so
// rules added later (API, CLI) take effect without a restart.
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';
import { PoisonRecordError } from '../../lib/errors.ts';
import { startCompactedView, type CompactedView, type CompactedViewOptions } from '../../lib/kafka/compacted-view.ts';
import { checkTime } from '../../lib/records/plausible.ts';
import type { RuleIndex } from './rule-index.ts';

type Opts = CompactedViewOptions<AlertRuleRecord>;

export interface RulesFeedOptions {
  kafka: Opts['kafka'];
  codec: Opts['codec'];
  topic: string;
  groupPrefix: string;
  index: RuleIndex;
  log: Opts['log'];
  /** Called for every new version, in order (the alerter upserts `alert_rules`). */
  onRule?: (r: AlertRuleRecord) => Promise<void>;
  onPoison: Opts['onPoison'];
  maxRecordBytes?: number;
}

export type RulesFeed = CompactedView;

/** A rule no writer of ours could have published is poison. */
export function checkRule(r: AlertRuleRecord, now = Date.now()): void {
  if (!r.rule_id) throw new PoisonRecordError('empty rule_id', 'invalid');
  if (!r.event_id) throw new PoisonRecordError('empty event_id', 'invalid');
  checkTime('created_at', r.created_at, 'observed', now);
  checkTime('updated_at', r.updated_at, 'observed', now);
}

export function startRulesFeed(opts: RulesFeedOptions): Promise<RulesFeed> {
  return startCompactedView<AlertRuleRecord>({
    kafka: opts.kafka,
    codec: opts.codec,
    topic: opts.topic,
    groupPrefix: `${opts.groupPrefix}-rules`,
    log: opts.log,
    ...(opts.maxRecordBytes ? { maxRecordBytes: opts.maxRecordBytes } : {}),
    validate: (r) => checkRule(r),
    onRecord: async (r) => {
      const known = opts.index.get(r.rule_id);
      if (known && known.version >= r.version) return;
      // The table first: if it fails, the batch comes again and finds the rule still new.
      await opts.onRule?.(r);
      opts.index.put(r);
    },
    onPoison: opts.onPoison,
  });
}
