// From an evaluation's firing (or a source notice) to what leaves the alerter: the notification of
// tws.alerts.v1, the webhook body and the outbox row. Ids are deterministic: the same crossing,
// evaluated again after a crash or a replay, gets the same id, which is also the webhooks'
// Idempotency-Key.
import { createHash } from 'node:crypto';
import { describe, ruleSummary, webhookBody, type RuleSummary } from '../../lib/alerts/delivery/payload.ts';
import type { AlertNotification, AlertRuleRecord } from '../../lib/alerts/model.ts';
import { targetKey } from '../../lib/alerts/targets.ts';
import type { Firing } from './evaluate.ts';
import type { FiringRow } from './outbox.ts';
import type { SourceNotice } from './source-health.ts';

const hashId = (prefix: string, ...parts: Array<string | number>): string =>
  `${prefix}_${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}`;

/** One id per (rule, series, event time of the crossing). */
export const firingId = (ruleId: string, series: string, at: number): string => hashId('alf', ruleId, series, at);

/** One id per outage (event, first failure) and per recovery. */
export const sourceNoticeId = (n: SourceNotice, eventId: string): string =>
  hashId('als', n.kind, eventId, n.kind === 'source_down' ? n.since : n.at);

export function dashboardLink(base: string, eventId: string, zone: string | null): string {
  const q = new URLSearchParams({ event: eventId, ...(zone ? { zone } : {}) });
  return `${base}/?${q}`;
}

export interface Outgoing {
  notification: AlertNotification;
  row: FiringRow;
}

interface Source {
  topic: string;
  partition: number;
  offset: string;
}

function outgoing(
  n: Omit<AlertNotification, 'message'>,
  rule: RuleSummary | null,
  series: string,
  targets: string[],
  src: Source,
): Outgoing {
  const notification: AlertNotification = { ...n, message: describe(n) };
  return {
    notification,
    row: {
      firing_id: n.alert_id,
      kind: n.kind,
      rule_id: n.rule_id ?? '',
      rule_version: n.rule_version ?? 0,
      event_id: n.event_id,
      zone: n.zone ?? '',
      zone_id: n.zone_id ?? '',
      section: n.section ?? '',
      series,
      observed_at: n.observed_at,
      value: n.value,
      reference: n.reference,
      message: notification.message,
      payload: JSON.stringify(webhookBody(notification, rule)),
      targets,
      source_topic: src.topic,
      kafka_partition: src.partition,
      kafka_offset: Number(src.offset),
    },
  };
}

export function crossing(
  rule: AlertRuleRecord,
  f: Firing,
  series: string,
  dashboardUrl: string,
  src: Source,
): Outgoing {
  const o = f.observation;
  return outgoing(
    {
      alert_id: firingId(rule.rule_id, series, o.at),
      kind: 'crossing',
      event_id: rule.event_id,
      rule_id: rule.rule_id,
      rule_version: rule.version,
      rule_name: rule.name,
      condition: rule.condition,
      basis: rule.basis,
      group_size: rule.group_size,
      zone: o.zone,
      zone_id: o.zone_id,
      section: o.section,
      observed_at: o.at,
      value: f.value,
      reference: f.reference,
      snapshot_id: o.snapshot_id,
      consecutive_failures: null,
      dashboard_url: dashboardLink(dashboardUrl, rule.event_id, o.zone),
    },
    ruleSummary(rule),
    series,
    rule.targets.map((t) => targetKey(rule.rule_id, t.target_id)),
    src,
  );
}

/**
 * A source notice goes to the targets of the event's active rules, each receiver once: targets
 * are told apart by their sealed URL's hint and format only after opening, so the caller passes
 * the keys it has already deduplicated.
 */
export function sourceNotice(
  eventId: string,
  n: SourceNotice,
  targets: string[],
  dashboardUrl: string,
  src: Source,
): Outgoing {
  return outgoing(
    {
      alert_id: sourceNoticeId(n, eventId),
      kind: n.kind,
      event_id: eventId,
      rule_id: null,
      rule_version: null,
      rule_name: null,
      condition: null,
      basis: null,
      group_size: null,
      zone: null,
      zone_id: null,
      section: null,
      observed_at: n.at,
      value: n.failures,
      reference: null,
      snapshot_id: null,
      consecutive_failures: n.failures,
      dashboard_url: dashboardLink(dashboardUrl, eventId, null),
    },
    null,
    eventId,
    targets,
    src,
  );
}
