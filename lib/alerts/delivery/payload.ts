// What a webhook receives (docs/alerts.md#webhook-contract): the JSON body with the rule, the
// values that fired it and a link to the dashboard; or, as a format option of the same target, a
// Slack- or Discord-compatible message. Bodies are a function of the firing only, so every attempt
// and every redelivery after a restart sends the same bytes.
import type { AlertNotification, AlertRuleRecord, TargetFormat } from '../model.ts';

export interface RuleSummary {
  rule_id: string;
  version: number;
  name: string;
  event_id: string;
  zone: string | null;
  section: string | null;
  basis: string;
  group_size: number;
  condition: string;
  price_cents: number | null;
  drop_pct: number | null;
  window_seconds: number | null;
  tickets: number | null;
  min_new_listings: number | null;
  cooldown_seconds: number;
  rearm_drop_pct: number | null;
}

/** The rule without its targets (which never leave the alerter). */
export function ruleSummary(r: AlertRuleRecord): RuleSummary {
  return {
    rule_id: r.rule_id,
    version: r.version,
    name: r.name,
    event_id: r.event_id,
    zone: r.zone,
    section: r.section,
    basis: r.basis,
    group_size: r.group_size,
    condition: r.condition,
    price_cents: r.price_cents,
    drop_pct: r.drop_pct,
    window_seconds: r.window_seconds,
    tickets: r.tickets,
    min_new_listings: r.min_new_listings,
    cooldown_seconds: r.cooldown_seconds,
    rearm_drop_pct: r.rearm_drop_pct,
  };
}

export type ValueUnit = 'cents_per_ticket' | 'tickets' | 'new_listings' | 'failed_scrapes';

export function unitOf(n: Pick<AlertNotification, 'kind' | 'condition'>): ValueUnit {
  if (n.kind !== 'crossing') return 'failed_scrapes';
  if (n.condition === 'inventory_below') return 'tickets';
  if (n.condition === 'new_listings') return 'new_listings';
  return 'cents_per_ticket';
}

export interface WebhookBody {
  type: 'tws.alert';
  version: 1;
  alert_id: string;
  kind: AlertNotification['kind'];
  test: boolean;
  message: string;
  dashboard_url: string;
  event_id: string;
  zone: string | null;
  zone_id: string | null;
  section: string | null;
  observed_at: string;
  rule: RuleSummary | null;
  values: {
    value: number | null;
    reference: number | null;
    unit: ValueUnit;
    snapshot_id: string | null;
    consecutive_failures: number | null;
  };
}

export function webhookBody(n: AlertNotification, rule: RuleSummary | null, test = false): WebhookBody {
  return {
    type: 'tws.alert',
    version: 1,
    alert_id: n.alert_id,
    kind: n.kind,
    test,
    message: n.message,
    dashboard_url: n.dashboard_url,
    event_id: n.event_id,
    zone: n.zone,
    zone_id: n.zone_id,
    section: n.section,
    observed_at: new Date(n.observed_at).toISOString(),
    rule,
    values: {
      value: n.value,
      reference: n.reference,
      unit: unitOf(n),
      snapshot_id: n.snapshot_id,
      consecutive_failures: n.consecutive_failures,
    },
  };
}

const usd = (cents: number): string =>
  `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** One line a person reads: what fired, where, the value and what it was compared with. */
export function describe(n: Omit<AlertNotification, 'message'>): string {
  const where = [n.event_id, n.zone, n.section].filter(Boolean).join(' · ');
  if (n.kind === 'source_down')
    return `Source down: ${n.event_id} failed ${n.consecutive_failures ?? '?'} scrapes in a row`;
  if (n.kind === 'source_recovered') return `Source recovered: ${n.event_id} scraped successfully again`;
  const name = n.rule_name ? `${n.rule_name}: ` : '';
  const v = n.value;
  const ref = n.reference;
  const seats = n.group_size && n.group_size > 1 ? `, ${n.group_size} seats together` : '';
  const basis = n.basis === 'base' ? 'before fees' : 'all-in';
  switch (n.condition) {
    case 'below':
      return `${name}${where} at ${usd(v ?? 0)} per ticket (${basis}${seats}), below ${usd(ref ?? 0)}`;
    case 'drop_pct':
      return `${name}${where} dropped to ${usd(v ?? 0)} per ticket (${basis}${seats}) from a high of ${usd(ref ?? 0)}`;
    case 'new_low':
      return `${name}${where} new low of ${usd(v ?? 0)} per ticket (${basis}${seats}), previous low ${usd(ref ?? 0)}`;
    case 'inventory_below':
      return `${name}${where} down to ${v} tickets, below ${ref}`;
    case 'new_listings':
      return `${name}${where} ${v} new listings (${ref} before)`;
    default:
      return `${name}${where}`;
  }
}

/** Slack's mrkdwn treats &, < and > as markup. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The request body for a target of this format. */
export function renderBody(format: TargetFormat, body: WebhookBody): string {
  const prefix = body.test ? '[test] ' : '';
  switch (format) {
    case 'json':
      return JSON.stringify(body);
    case 'slack':
      return JSON.stringify({
        text: `${prefix}${slackEscape(body.message)} <${slackEscape(body.dashboard_url)}|Open the dashboard>`,
      });
    case 'discord':
      // No mentions: a rule name like "@everyone" must not ping a channel.
      return JSON.stringify({
        content: `${prefix}${body.message} ${body.dashboard_url}`.slice(0, 2000),
        allowed_mentions: { parse: [] },
      });
  }
}
