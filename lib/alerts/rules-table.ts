// The `alert_rules` table (ReplacingMergeTree by version): rows from and to AlertRuleRecord. Both
// writers (the API, and the alerter materializing the compacted rules topic) insert the same row for
// the same version, with the same dedup token, so the second insert is dropped.
import { chDateTime, toNumber } from '../clickhouse/format.ts';
import type { Store } from '../clickhouse/store.ts';
import type { AlertRuleRecord, SealedTarget } from './model.ts';

export function alertRuleRow(r: AlertRuleRecord) {
  return {
    ...r,
    targets: JSON.stringify(r.targets),
    created_at: chDateTime(r.created_at),
    updated_at: chDateTime(r.updated_at),
  };
}

export const RULE_COLUMNS = `rule_id, version, name, event_id, zone, section, basis, group_size, condition, price_cents,
  drop_pct, window_seconds, tickets, min_new_listings, cooldown_seconds, rearm_drop_pct, targets, active, deleted,
  toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(updated_at) AS updated_at`;

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : toNumber(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === 'true';

export function ruleFromRow(r: Record<string, unknown>): AlertRuleRecord {
  return {
    rule_id: String(r.rule_id),
    version: toNumber(r.version),
    name: String(r.name),
    event_id: String(r.event_id),
    zone: r.zone === null || r.zone === undefined ? null : String(r.zone),
    section: r.section === null || r.section === undefined ? null : String(r.section),
    basis: String(r.basis) as AlertRuleRecord['basis'],
    group_size: toNumber(r.group_size),
    condition: String(r.condition) as AlertRuleRecord['condition'],
    price_cents: numOrNull(r.price_cents),
    drop_pct: numOrNull(r.drop_pct),
    window_seconds: numOrNull(r.window_seconds),
    tickets: numOrNull(r.tickets),
    min_new_listings: numOrNull(r.min_new_listings),
    cooldown_seconds: toNumber(r.cooldown_seconds),
    rearm_drop_pct: numOrNull(r.rearm_drop_pct),
    targets: JSON.parse(String(r.targets || '[]')) as SealedTarget[],
    active: bool(r.active),
    deleted: bool(r.deleted),
    created_at: toNumber(r.created_at),
    updated_at: toNumber(r.updated_at),
  };
}

export async function upsertRule(store: Store, r: AlertRuleRecord): Promise<void> {
  await store.insert('alert_rules', [alertRuleRow(r)], { dedupToken: `alert-rule:${r.rule_id}:${r.version}` });
}

/** The latest version of a rule, removed ones included (callers decide what `deleted` means). */
export async function readRule(store: Store, ruleId: string): Promise<AlertRuleRecord | null> {
  const rows = await store.query<Record<string, unknown>>(
    `SELECT ${RULE_COLUMNS} FROM alert_rules FINAL WHERE rule_id = {id:String}`,
    { id: ruleId },
  );
  return rows[0] ? ruleFromRow(rows[0]) : null;
}
