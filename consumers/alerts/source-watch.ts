// Source-down notices: a consumer of tws.scrape.outcomes.v1 that keeps each event's streak of
// failed scrapes (source-health.ts) in `alert_state` and sends one notice when an event goes down
// and one when it recovers, through the same outbox, topic and dispatcher as price alerts, to the
// targets of the event's active rules (each receiver once).
import type { AlertNotification } from '../../lib/alerts/model.ts';
import type { SecretBox } from '../../lib/alerts/secret-box.ts';
import { openTarget, targetKey } from '../../lib/alerts/targets.ts';
import type { RecordMeta } from '../../lib/kafka/avro-consumer.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ScrapeOutcome } from '../../lib/model.ts';
import { alertFirings } from './metrics.ts';
import { sourceNotice } from './notify.ts';
import type { FiringRow, Outbox } from './outbox.ts';
import type { RuleIndex } from './rule-index.ts';
import { freshSourceState, stepSource } from './source-health.ts';
import type { AlertStateStore } from './state-store.ts';

export interface SourceWatchDeps {
  index: RuleIndex;
  states: AlertStateStore;
  outbox: Outbox;
  box: SecretBox;
  publish: (notifications: AlertNotification[]) => Promise<void>;
  dispatch: (rows: FiringRow[]) => void;
  downAfter: number;
  dashboardUrl: string;
  log: Logger;
}

export class SourceWatch {
  readonly stats = { outcomes: 0, notices: 0 };

  constructor(private readonly d: SourceWatchDeps) {}

  async onOutcome(o: ScrapeOutcome, meta: RecordMeta): Promise<void> {
    this.stats.outcomes++;
    const prev = (await this.d.states.loadSource(o.event_id)) ?? freshSourceState();
    const step = stepSource(prev, o, this.d.downAfter);
    if (step.late) return;
    let row: FiringRow | undefined;
    if (step.notice) {
      const out = sourceNotice(o.event_id, step.notice, this.targetsOf(o.event_id), this.d.dashboardUrl, meta);
      row = out.row;
      await this.d.outbox.add([row]);
      await this.d.publish([out.notification]);
    }
    await this.d.states.saveSource(o.event_id, step.state);
    if (row) {
      this.stats.notices++;
      alertFirings.inc({ kind: row.kind });
      this.d.log.warn({ event_id: o.event_id, kind: row.kind, failures: step.notice?.failures }, row.message);
      this.d.dispatch([row]);
    }
  }

  /** The event's active rules' targets, one per receiver (format and URL). */
  private targetsOf(eventId: string): string[] {
    const seen = new Set<string>();
    const keys: string[] = [];
    for (const rule of this.d.index.forEvent(eventId)) {
      for (const t of rule.targets) {
        let receiver: string;
        try {
          const open = openTarget(this.d.box, t);
          receiver = `${open.format} ${open.url}`;
        } catch {
          receiver = `${rule.rule_id}/${t.target_id}`; // cannot open: the dispatcher will say why
        }
        if (seen.has(receiver)) continue;
        seen.add(receiver);
        keys.push(targetKey(rule.rule_id, t.target_id));
      }
    }
    return keys;
  }
}
