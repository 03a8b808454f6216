// The rules the alerter knows, in memory: the latest version of each (fed by the compacted rules
// topic), looked up by event for every zone-metrics record.
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';

export class RuleIndex {
  private readonly byId = new Map<string, AlertRuleRecord>();
  private byEvent: Map<string, AlertRuleRecord[]> | null = null;

  /** Keeps the record if it is newer than the one known; returns whether it was. */
  put(r: AlertRuleRecord): boolean {
    const known = this.byId.get(r.rule_id);
    if (known && known.version >= r.version) return false;
    this.byId.set(r.rule_id, r);
    this.byEvent = null;
    return true;
  }

  /** The latest version, removed rules included (the dispatcher cancels their pending deliveries). */
  get(ruleId: string): AlertRuleRecord | undefined {
    return this.byId.get(ruleId);
  }

  /** Active rules of an event. */
  forEvent(eventId: string): AlertRuleRecord[] {
    if (!this.byEvent) {
      this.byEvent = new Map();
      for (const r of this.byId.values()) {
        if (!r.active || r.deleted) continue;
        const list = this.byEvent.get(r.event_id) ?? [];
        list.push(r);
        this.byEvent.set(r.event_id, list);
      }
    }
    return this.byEvent.get(eventId) ?? [];
  }

  /** Every rule that is not removed. */
  list(): AlertRuleRecord[] {
    return [...this.byId.values()].filter((r) => !r.deleted);
  }
}
