// Price-alert types shared by the API, the CLI and the alerter. Field names follow the Avro schemas
// schemas/AlertRule.avsc and schemas/AlertNotification.avsc one to one (docs/alerts.md). Money is
// integer US cents per ticket; times are epoch ms.

export type PriceBasis = 'all_in' | 'base';
export type GroupSize = 1 | 2 | 4;
export type ConditionKind = 'below' | 'drop_pct' | 'new_low' | 'inventory_below' | 'new_listings';
export type TargetFormat = 'json' | 'slack' | 'discord';
export type AlertKind = 'crossing' | 'source_down' | 'source_recovered';

export const CONDITION_KINDS: readonly ConditionKind[] = [
  'below',
  'drop_pct',
  'new_low',
  'inventory_below',
  'new_listings',
];
export const TARGET_FORMATS: readonly TargetFormat[] = ['json', 'slack', 'discord'];

/** A delivery target at rest: the URL and secret are sealed (secret-box.ts). */
export interface SealedTarget {
  target_id: string;
  format: TargetFormat;
  /** Scheme and host only: safe to show. */
  url_hint: string;
  signed: boolean;
  sealed: string;
}

/** A delivery target in memory, opened for sending. Never logged, never returned by the API. */
export interface OpenTarget {
  target_id: string;
  format: TargetFormat;
  url: string;
  secret: string | null;
}

/** Topic alerts.rules.v1 (compacted) and table `alert_rules`. */
export interface AlertRuleRecord {
  rule_id: string;
  version: number;
  name: string;
  event_id: string;
  zone: string | null;
  section: string | null;
  basis: PriceBasis;
  group_size: number;
  condition: ConditionKind;
  price_cents: number | null;
  drop_pct: number | null;
  window_seconds: number | null;
  tickets: number | null;
  min_new_listings: number | null;
  cooldown_seconds: number;
  rearm_drop_pct: number | null;
  targets: SealedTarget[];
  active: boolean;
  deleted: boolean;
  created_at: number;
  updated_at: number;
}

/** The condition of a rule as one value, for evaluation. */
export type Condition =
  | { kind: 'below'; price_cents: number }
  | { kind: 'drop_pct'; pct: number; window_seconds: number }
  | { kind: 'new_low'; window_seconds: number | null }
  | { kind: 'inventory_below'; tickets: number }
  | { kind: 'new_listings'; min_new: number };

export type ConditionFields = Pick<
  AlertRuleRecord,
  'condition' | 'price_cents' | 'drop_pct' | 'window_seconds' | 'tickets' | 'min_new_listings'
>;

/** The rule's condition from its flat record fields (checked when the rule was written). */
export function conditionOf(r: ConditionFields): Condition {
  switch (r.condition) {
    case 'below':
      return { kind: 'below', price_cents: r.price_cents ?? 0 };
    case 'drop_pct':
      return { kind: 'drop_pct', pct: r.drop_pct ?? 0, window_seconds: r.window_seconds ?? 0 };
    case 'new_low':
      return { kind: 'new_low', window_seconds: r.window_seconds };
    case 'inventory_below':
      return { kind: 'inventory_below', tickets: r.tickets ?? 0 };
    case 'new_listings':
      return { kind: 'new_listings', min_new: r.min_new_listings ?? 1 };
  }
}

/** The flat record fields of a condition. */
export function conditionFields(c: Condition): ConditionFields {
  const none = { price_cents: null, drop_pct: null, window_seconds: null, tickets: null, min_new_listings: null };
  switch (c.kind) {
    case 'below':
      return { ...none, condition: 'below', price_cents: c.price_cents };
    case 'drop_pct':
      return { ...none, condition: 'drop_pct', drop_pct: c.pct, window_seconds: c.window_seconds };
    case 'new_low':
      return { ...none, condition: 'new_low', window_seconds: c.window_seconds };
    case 'inventory_below':
      return { ...none, condition: 'inventory_below', tickets: c.tickets };
    case 'new_listings':
      return { ...none, condition: 'new_listings', min_new_listings: c.min_new };
  }
}

/** Conditions on a price; the others count tickets or listings and take no basis or group size. */
export const isPriceCondition = (k: ConditionKind): boolean => k === 'below' || k === 'drop_pct' || k === 'new_low';

/** Topic alerts.v1: one firing (or source notice). Also the `notification` of a webhook body. */
export interface AlertNotification {
  alert_id: string;
  kind: AlertKind;
  event_id: string;
  rule_id: string | null;
  rule_version: number | null;
  rule_name: string | null;
  condition: ConditionKind | null;
  basis: PriceBasis | null;
  group_size: number | null;
  zone: string | null;
  zone_id: string | null;
  section: string | null;
  observed_at: number;
  value: number | null;
  reference: number | null;
  snapshot_id: string | null;
  consecutive_failures: number | null;
  message: string;
  dashboard_url: string;
}
