// Alert rules, their evaluation state and their firings with deliveries (tables of migration 0030,
// all ReplacingMergeTree: FINAL gives the latest row of each key). Parameters are always bound.
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';
import { RULE_COLUMNS, ruleFromRow } from '../../lib/alerts/rules-table.ts';
import type { Store } from '../../lib/clickhouse/store.ts';

const LIST_RULES = `SELECT ${RULE_COLUMNS} FROM alert_rules FINAL
  WHERE NOT deleted AND ({event:String} = '' OR event_id = {event:String})
  ORDER BY created_at DESC, rule_id
  LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;

export async function listRules(
  store: Store,
  q: { event_id?: string; limit: number; offset: number },
): Promise<AlertRuleRecord[]> {
  const rows = await store.query<Record<string, unknown>>(LIST_RULES, {
    event: q.event_id ?? '',
    limit: q.limit,
    offset: q.offset,
  });
  return rows.map(ruleFromRow);
}

export interface SeriesRow {
  rule_id: string;
  series: string;
  rule_version: number;
  armed: boolean;
  last_value: number | null;
  last_observed_at_ms: number;
  last_fired_at_ms: number | null;
}

const SERIES = `SELECT rule_id, series, rule_version, armed, last_value,
    toUnixTimestamp64Milli(last_observed_at) AS last_observed_at_ms,
    if(isNull(last_fired_at), NULL, toUnixTimestamp64Milli(assumeNotNull(last_fired_at))) AS last_fired_at_ms
  FROM alert_state FINAL WHERE rule_id IN {ids:Array(String)} ORDER BY rule_id, series`;

export const seriesOf = (store: Store, ruleIds: string[]): Promise<SeriesRow[]> =>
  ruleIds.length ? store.query<SeriesRow>(SERIES, { ids: ruleIds }) : Promise.resolve([]);

export interface DeliveryRow {
  firing_id: string;
  target: string;
  rule_id: string;
  status: 'delivered' | 'dead_lettered' | 'cancelled';
  attempts: number;
  http_status: number | null;
  reason: string;
  finished_at_ms: number;
}

const DELIVERY_COLUMNS = `firing_id, target, rule_id, status, attempts, http_status, reason,
  toUnixTimestamp64Milli(finished_at) AS finished_at_ms`;

export interface RuleDeliveryStats {
  rule_id: string;
  firings: number;
  dead_lettered: number;
  last: DeliveryRow | null;
}

/** Per rule: firings, dead-lettered deliveries, and the latest delivery outcome. */
export async function deliveryStats(store: Store, ruleIds: string[]): Promise<Map<string, RuleDeliveryStats>> {
  const out = new Map<string, RuleDeliveryStats>(
    ruleIds.map((id) => [id, { rule_id: id, firings: 0, dead_lettered: 0, last: null }]),
  );
  if (ruleIds.length === 0) return out;
  const [firings, deliveries] = await Promise.all([
    store.query<{ rule_id: string; n: number }>(
      `SELECT rule_id, count() AS n FROM alert_firings FINAL WHERE rule_id IN {ids:Array(String)} GROUP BY rule_id`,
      { ids: ruleIds },
    ),
    store.query<DeliveryRow & { dead: number }>(
      `SELECT ${DELIVERY_COLUMNS}, dead FROM (
         SELECT *, countIf(status = 'dead_lettered') OVER (PARTITION BY rule_id) AS dead,
                row_number() OVER (PARTITION BY rule_id ORDER BY finished_at DESC, firing_id, target) AS rn
         FROM alert_deliveries FINAL WHERE rule_id IN {ids:Array(String)}
       ) WHERE rn = 1`,
      { ids: ruleIds },
    ),
  ]);
  for (const f of firings) out.get(f.rule_id)!.firings = Number(f.n);
  for (const d of deliveries) {
    const s = out.get(d.rule_id)!;
    s.dead_lettered = Number(d.dead);
    s.last = d;
  }
  return out;
}

export interface FiringRow {
  firing_id: string;
  kind: 'crossing' | 'source_down' | 'source_recovered';
  rule_id: string;
  condition: string | null;
  event_id: string;
  zone: string;
  section: string;
  observed_at_ms: number;
  value: number | null;
  reference: number | null;
  message: string;
  targets: string[];
}

const FIRINGS = `SELECT firing_id, kind, rule_id, JSONExtract(payload, 'rule', 'condition', 'Nullable(String)') AS condition,
    event_id, zone, section, toUnixTimestamp64Milli(observed_at) AS observed_at_ms, value, reference, message, targets
  FROM alert_firings FINAL
  WHERE ({event:String} = '' OR event_id = {event:String})
    AND ({rule:String} = '' OR rule_id = {rule:String} OR has(arrayMap(t -> splitByChar('/', t)[1], targets), {rule:String}))
  ORDER BY observed_at DESC, firing_id
  LIMIT {limit:UInt32}`;

/** The latest firings (by event time), with every delivery outcome they have so far. */
export async function recentFirings(
  store: Store,
  q: { event_id?: string; rule_id?: string; limit: number },
): Promise<Array<FiringRow & { deliveries: DeliveryRow[] }>> {
  const firings = await store.query<FiringRow>(FIRINGS, {
    event: q.event_id ?? '',
    rule: q.rule_id ?? '',
    limit: q.limit,
  });
  if (firings.length === 0) return [];
  const deliveries = await store.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries FINAL WHERE firing_id IN {ids:Array(String)} ORDER BY target`,
    { ids: firings.map((f) => f.firing_id) },
  );
  return firings.map((f) => ({ ...f, deliveries: deliveries.filter((d) => d.firing_id === f.firing_id) }));
}
