// Delivers the outbox's firings to their webhook targets: at start-up (and every minute, for firings
// left behind by a process that died) whatever is pending in ClickHouse, and at once whatever the
// evaluator hands over. Each (firing, target) is sent by one task at a time in this process, never
// again once it has a final outcome, with at most `targetConcurrency` requests in flight per target
// URL. After the last retry (or a 4xx) the notification goes to the dead-letter topic with the
// reason, and its outcome row says so. A stop aborts retries and leaves the rest pending.
import pLimit, { type LimitFunction } from 'p-limit';
import { renderBody, type WebhookBody } from '../../lib/alerts/delivery/payload.ts';
import { deliver, type DeliveryPolicy } from '../../lib/alerts/delivery/webhook.ts';
import type { SecretBox } from '../../lib/alerts/secret-box.ts';
import { openTarget } from '../../lib/alerts/targets.ts';
import type { DeliveryError } from '../../lib/errors.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { alertDeliveries, alertDeliveryAttempts } from './metrics.ts';
import type { DeliveryRow, DeliveryStatus, FiringRow, Outbox } from './outbox.ts';
import type { RuleIndex } from './rule-index.ts';

export interface DispatcherDeps {
  outbox: Outbox;
  index: RuleIndex;
  box: SecretBox;
  policy: DeliveryPolicy;
  targetConcurrency: number;
  /** Sends the notification to the dead-letter topic with the reason. */
  deadLetter: (firing: FiringRow, target: string, reason: string, message: string) => Promise<void>;
  log: Logger;
  /** How often to look for pending firings that no running task holds, and how old they must be. */
  sweepEveryMs?: number;
  sweepAgeMs?: number;
}

export class Dispatcher {
  readonly stats = { delivered: 0, dead_lettered: 0, cancelled: 0, attempts: 0 };
  private readonly inFlight = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly limits = new Map<string, LimitFunction>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: DispatcherDeps) {}

  /** Delivers everything pending now, then sweeps for left-behind firings every `sweepEveryMs`. */
  async start(): Promise<void> {
    await this.sweep();
    const every = this.d.sweepEveryMs ?? 60_000;
    this.timer = setInterval(() => {
      this.sweep(Date.now() - (this.d.sweepAgeMs ?? 5 * 60_000)).catch((err) =>
        this.d.log.warn({ err: errorMessage(err) }, 'alert delivery sweep failed; next one in a minute'),
      );
    }, every);
    this.timer.unref();
  }

  /** Schedules firings just written by the evaluator. */
  enqueue(rows: readonly FiringRow[]): void {
    for (const f of rows) for (const target of f.targets) this.schedule(f, target);
  }

  /** Resolves when nothing is in flight (for tests and for a graceful stop). */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  get pendingInProcess(): number {
    return this.inFlight.size;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort(new Error('alerter stopping'));
    await this.idle();
  }

  private async sweep(createdBeforeMs?: number): Promise<void> {
    const pending = await this.d.outbox.pending(createdBeforeMs === undefined ? {} : { createdBeforeMs });
    for (const p of pending) this.schedule(p.firing, p.target);
  }

  private schedule(f: FiringRow, target: string): void {
    const key = `${f.firing_id} ${target}`;
    if (this.inFlight.has(key) || this.stopping.signal.aborted) return;
    this.inFlight.add(key);
    const task = this.run(f, target)
      .catch((err) => {
        if (!this.stopping.signal.aborted)
          this.d.log.warn(
            { firing_id: f.firing_id, target, err: errorMessage(err) },
            'alert delivery interrupted; it stays pending',
          );
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.tasks.delete(task);
      });
    this.tasks.add(task);
  }

  private async run(f: FiringRow, target: string): Promise<void> {
    // Already done (a sweep and a re-evaluation can both bring the same pair after a restart).
    if (await this.d.outbox.isFinal(f.firing_id, target)) return;
    const [ruleId, targetId] = target.split('/') as [string, string];
    const rule = this.d.index.get(ruleId);
    const sealed = rule && !rule.deleted ? rule.targets.find((t) => t.target_id === targetId) : undefined;
    if (!sealed) return this.finish(f, target, 'cancelled', 0, null, rule?.deleted ? 'rule removed' : 'target removed');
    // Throws ConfigError under another key: left pending, and the log says which setting.
    const open = openTarget(this.d.box, sealed);
    let limit = this.limits.get(open.url);
    if (!limit) this.limits.set(open.url, (limit = pLimit(this.d.targetConcurrency)));
    const body = renderBody(sealed.format, JSON.parse(f.payload) as WebhookBody);
    const signal = this.stopping.signal;
    const outcome = await limit(async () => {
      signal.throwIfAborted();
      return deliver(open, body, f.firing_id, this.d.policy, { signal });
    });
    this.stats.attempts += outcome.attempts;
    alertDeliveryAttempts.inc(outcome.attempts);
    if (outcome.ok) return this.finish(f, target, 'delivered', outcome.attempts, outcome.status, '');
    const reason = deadLetterReason(outcome.error);
    const message = `${outcome.error.message} after ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
    await this.d.deadLetter(f, target, reason, message);
    this.d.log.warn(
      { firing_id: f.firing_id, target, reason, attempts: outcome.attempts },
      `alert dead-lettered: ${message}`,
    );
    return this.finish(f, target, 'dead_lettered', outcome.attempts, outcome.error.status, `${reason}: ${message}`);
  }

  private async finish(
    f: FiringRow,
    target: string,
    status: DeliveryStatus,
    attempts: number,
    httpStatus: number | null,
    reason: string,
  ): Promise<void> {
    const row: DeliveryRow = {
      firing_id: f.firing_id,
      target,
      rule_id: f.rule_id || target.split('/')[0]!,
      event_id: f.event_id,
      status,
      attempts,
      http_status: httpStatus,
      reason,
      finished_at: Date.now(),
    };
    await this.d.outbox.record(row);
    this.stats[status]++;
    alertDeliveries.inc({ status });
  }
}

/** `webhook_rejected` (an answer that retrying cannot change) or `webhook_retries_exhausted`. */
export const deadLetterReason = (err: DeliveryError): string =>
  err.retriable ? 'webhook_retries_exhausted' : 'webhook_rejected';
