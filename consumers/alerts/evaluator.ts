// The alert evaluator: a consumer of tws.metrics.zones.v1 (at-least-once, event time). For each
// record it evaluates the event's rules on the record's zone (or section), then, in this order:
// writes the firings to the outbox, publishes them to tws.alerts.v1, saves the series' states, and
// hands the firings to the dispatcher. A crash anywhere in between replays the record (its offset
// is not committed yet): the states are still the old ones, so the same firings come out with the
// same ids, the outbox drops them as written, and the dispatcher never sends one twice to a
// target that has its outcome. After the states are saved a replay is late and does nothing.
import type { AlertNotification } from '../../lib/alerts/model.ts';
import type { RecordMeta } from '../../lib/kafka/avro-consumer.ts';
import type { Logger } from '../../lib/logger.ts';
import { evaluate, type SeriesState } from './evaluate.ts';
import { alertEvaluations, alertFirings } from './metrics.ts';
import { crossing, type Outgoing } from './notify.ts';
import { inScope, seriesKey, zoneObservation, type Observation, type ZoneMetricsRecord } from './observation.ts';
import type { FiringRow, Outbox } from './outbox.ts';
import type { RuleIndex } from './rule-index.ts';
import type { NewListings, NewListingsReader } from './new-listings.ts';
import { emptySection, type SectionReader } from './sections.ts';
import { ruleLastFiredAt, type AlertStateStore, type StateRow } from './state-store.ts';

export interface EvaluatorDeps {
  index: RuleIndex;
  states: AlertStateStore;
  outbox: Outbox;
  sections: SectionReader;
  newListings: NewListingsReader;
  /** Publishes to tws.alerts.v1. */
  publish: (notifications: AlertNotification[]) => Promise<void>;
  /** Hands written firings to the dispatcher (does not wait for delivery). */
  dispatch: (rows: FiringRow[]) => void;
  dashboardUrl: string;
  log: Logger;
}

export class AlertEvaluator {
  readonly stats = { records: 0, evaluations: 0, fired: 0, late: 0, cooldown: 0 };

  constructor(private readonly d: EvaluatorDeps) {}

  async onMetric(m: ZoneMetricsRecord, meta: RecordMeta, signal?: AbortSignal): Promise<void> {
    this.stats.records++;
    const rules = this.d.index.forEvent(m.event_id).filter((r) => inScope(r, m));
    if (rules.length === 0) return;
    const states = await this.d.states.load(rules.map((r) => r.rule_id));
    let sections: Map<string, Observation> | null | undefined;
    // Read once per record, and only when a rule counts new listings.
    const counts = rules.some((r) => r.condition === 'new_listings');
    const fresh: NewListings | null = counts ? await this.d.newListings.of(m, signal) : null;
    if (signal?.aborted) return;
    if (counts && fresh === null)
      this.d.log.warn(
        { event_id: m.event_id, zone: m.zone, snapshot_id: m.snapshot_id },
        'the listing lifecycle did not judge this scrape in time; new_listings rules not evaluated',
      );
    const changed: StateRow<SeriesState>[] = [];
    const out: Outgoing[] = [];
    for (const rule of rules) {
      if (rule.condition === 'new_listings' && fresh === null) {
        alertEvaluations.inc({ outcome: 'no_lifecycle' });
        continue;
      }
      let o: Observation | null = zoneObservation(m);
      if (rule.section !== null) {
        sections ??= await this.d.sections.sectionsOf(m, signal);
        if (signal?.aborted) return;
        if (sections === null) {
          alertEvaluations.inc({ outcome: 'no_section' });
          this.d.log.warn(
            { rule_id: rule.rule_id, event_id: m.event_id, zone: m.zone, snapshot_id: m.snapshot_id },
            'section metrics of this scrape did not appear in section_snapshots; section rule not evaluated',
          );
          continue;
        }
        // A section missing from its rule's own zone had no listings; in another zone it is not there.
        o = sections.get(rule.section) ?? (rule.zone !== null ? emptySection(m, rule.section) : null);
        if (o === null) continue;
      }
      if (fresh !== null)
        o = { ...o, new_listings: o.section === null ? fresh.zone : (fresh.sections.get(o.section) ?? 0) };
      const series = seriesKey(o);
      const ruleStates = states.get(rule.rule_id);
      const res = evaluate(rule, ruleStates?.get(series), o, {
        ruleLastFiredAt: ruleLastFiredAt(ruleStates, rule.version),
      });
      this.stats.evaluations++;
      alertEvaluations.inc({ outcome: res.outcome });
      if (res.outcome === 'late') {
        this.stats.late++;
        continue;
      }
      if (res.outcome === 'cooldown') this.stats.cooldown++;
      changed.push({ rule_id: rule.rule_id, series, state: res.state });
      if (res.firing) out.push(crossing(rule, res.firing, series, this.d.dashboardUrl, meta));
    }
    const rows = out.map((x) => x.row);
    if (rows.length > 0) {
      await this.d.outbox.add(rows);
      await this.d.publish(out.map((x) => x.notification));
    }
    if (changed.length > 0) await this.d.states.save(changed);
    if (rows.length > 0) {
      this.stats.fired += rows.length;
      alertFirings.inc({ kind: 'crossing' }, rows.length);
      this.d.dispatch(rows);
    }
  }
}
