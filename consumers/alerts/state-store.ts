// Evaluation state in ClickHouse (`alert_state`), read for every record it is needed for rather than
// cached: with several alerters a partition (and its events' rules) can move to another process
// and back, and a cache would then miss what the other one evaluated. Reads are the ingest path's
// (Store.ingestQuery); writes version each row by its watermark, so the latest evaluation wins.
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { SeriesState } from './evaluate.ts';
import type { SourceState } from './source-health.ts';

/** The pseudo rule id under which source health is kept, one series per event. */
export const SOURCE_RULE_ID = '~source';

export interface StateRow<S> {
  rule_id: string;
  series: string;
  state: S;
}

export class AlertStateStore {
  constructor(private readonly store: Store) {}

  /** Rule id → series → state, for the given rules. */
  async load(ruleIds: readonly string[]): Promise<Map<string, Map<string, SeriesState>>> {
    const out = new Map<string, Map<string, SeriesState>>();
    if (ruleIds.length === 0) return out;
    const rows = await this.store.ingestQuery<{ rule_id: string; series: string; state: string }>(
      `SELECT rule_id, series, state FROM alert_state FINAL WHERE rule_id IN {ids:Array(String)}`,
      { ids: [...ruleIds] },
    );
    for (const r of rows) {
      const m = out.get(r.rule_id) ?? new Map<string, SeriesState>();
      m.set(r.series, JSON.parse(r.state) as SeriesState);
      out.set(r.rule_id, m);
    }
    return out;
  }

  async save(rows: readonly StateRow<SeriesState>[]): Promise<void> {
    await this.store.insert(
      'alert_state',
      rows.map((r) => ({
        rule_id: r.rule_id,
        series: r.series,
        version: r.state.watermark ?? 0,
        rule_version: r.state.rule_version,
        armed: r.state.armed,
        last_value: r.state.last_value,
        last_observed_at: chDateTime(r.state.watermark ?? 0),
        last_fired_at: r.state.last_fired_at === null ? null : chDateTime(r.state.last_fired_at),
        state: JSON.stringify(r.state),
      })),
    );
  }

  async loadSource(eventId: string): Promise<SourceState | undefined> {
    const rows = await this.store.ingestQuery<{ state: string }>(
      `SELECT state FROM alert_state FINAL WHERE rule_id = {rule:String} AND series = {event:String}`,
      { rule: SOURCE_RULE_ID, event: eventId },
    );
    return rows[0] ? (JSON.parse(rows[0].state) as SourceState) : undefined;
  }

  async saveSource(eventId: string, s: SourceState): Promise<void> {
    await this.store.insert('alert_state', [
      {
        rule_id: SOURCE_RULE_ID,
        series: eventId,
        version: s.watermark ?? 0,
        rule_version: 0,
        armed: !s.down,
        last_value: s.failures,
        last_observed_at: chDateTime(s.watermark ?? 0),
        last_fired_at: null,
        state: JSON.stringify(s),
      },
    ]);
  }
}

/** The latest firing of a rule across its series, counting only states of the rule's current version. */
export function ruleLastFiredAt(states: Map<string, SeriesState> | undefined, version: number): number | null {
  let latest: number | null = null;
  for (const s of states?.values() ?? []) {
    if (s.rule_version !== version || s.last_fired_at === null) continue;
    latest = latest === null ? s.last_fired_at : Math.max(latest, s.last_fired_at);
  }
  return latest;
}
