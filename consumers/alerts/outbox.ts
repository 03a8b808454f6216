// The alerter's outbox in ClickHouse: every firing is written once (`alert_firings`, deduplicated
// by its deterministic id) before anything is sent, and the final outcome of each (firing, target)
// goes to `alert_deliveries`. What has a firing but no outcome is pending: the dispatcher delivers
// it, after a crash too, so a notification is never lost between evaluation and delivery.
import { createHash } from 'node:crypto';
import { chDateTime, toNumber } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { AlertKind } from '../../lib/alerts/model.ts';

export interface FiringRow {
  firing_id: string;
  kind: AlertKind;
  rule_id: string;
  rule_version: number;
  event_id: string;
  zone: string;
  zone_id: string;
  section: string;
  series: string;
  observed_at: number;
  value: number | null;
  reference: number | null;
  message: string;
  /** The JSON webhook body (lib/alerts/delivery/payload.ts), without secrets. */
  payload: string;
  /** `<rule_id>/<target_id>` of every target to deliver to. */
  targets: string[];
  source_topic: string;
  kafka_partition: number;
  kafka_offset: number;
}

export type DeliveryStatus = 'delivered' | 'dead_lettered' | 'cancelled';

export interface DeliveryRow {
  firing_id: string;
  target: string;
  rule_id: string;
  event_id: string;
  status: DeliveryStatus;
  attempts: number;
  http_status: number | null;
  reason: string;
  finished_at: number;
}

export interface Pending {
  firing: FiringRow;
  target: string;
}

const FIRING_COLUMNS = `firing_id, kind, rule_id, rule_version, event_id, zone, zone_id, section, series,
  toUnixTimestamp64Milli(observed_at) AS observed_at, value, reference, message, payload, targets, source_topic,
  kafka_partition, kafka_offset`;

function firingFromRow(r: Record<string, unknown>): FiringRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : toNumber(v));
  return {
    firing_id: String(r.firing_id),
    kind: String(r.kind) as AlertKind,
    rule_id: String(r.rule_id),
    rule_version: toNumber(r.rule_version),
    event_id: String(r.event_id),
    zone: String(r.zone),
    zone_id: String(r.zone_id),
    section: String(r.section),
    series: String(r.series),
    observed_at: toNumber(r.observed_at),
    value: num(r.value),
    reference: num(r.reference),
    message: String(r.message),
    payload: String(r.payload),
    targets: (r.targets as string[]) ?? [],
    source_topic: String(r.source_topic),
    kafka_partition: toNumber(r.kafka_partition),
    kafka_offset: toNumber(r.kafka_offset),
  };
}

export class Outbox {
  constructor(private readonly store: Store) {}

  /** Writes firings; a firing written before (a re-evaluation after a crash) is dropped by its token. */
  async add(rows: readonly FiringRow[]): Promise<void> {
    if (rows.length === 0) return;
    const token = createHash('sha256')
      .update(rows.map((r) => r.firing_id).join(','))
      .digest('hex');
    await this.store.insert(
      'alert_firings',
      rows.map((r) => ({ ...r, observed_at: chDateTime(r.observed_at) })),
      { dedupToken: `alert-firings:${token}` },
    );
  }

  /**
   * (Firing, target) pairs of the last 7 days without a final outcome, oldest first; with
   * `createdBeforeMs`, only firings written before then (the periodic sweep leaves young ones to the
   * process that wrote them).
   */
  async pending(opts: { createdBeforeMs?: number; limit?: number } = {}): Promise<Pending[]> {
    const rows = await this.store.ingestQuery<Record<string, unknown> & { target: string }>(
      `SELECT ${FIRING_COLUMNS}, target
       FROM (SELECT * FROM alert_firings FINAL
             WHERE created_at > now64(3) - INTERVAL 7 DAY
               AND created_at <= fromUnixTimestamp64Milli(toInt64({before:Int64}), 'UTC')) AS f
       ARRAY JOIN f.targets AS target
       WHERE (firing_id, target) NOT IN (SELECT firing_id, target FROM alert_deliveries)
       ORDER BY f.created_at, firing_id, target
       LIMIT {limit:UInt32}`,
      { before: opts.createdBeforeMs ?? Date.now() + 60_000, limit: opts.limit ?? 1_000 },
    );
    return rows.map((r) => ({ firing: firingFromRow(r), target: r.target }));
  }

  /** The final outcome of one delivery (one row per firing and target). */
  async record(d: DeliveryRow): Promise<void> {
    await this.store.insert('alert_deliveries', [{ ...d, finished_at: chDateTime(d.finished_at) }], {
      dedupToken: `alert-delivery:${d.firing_id}:${d.target}:${d.status}`,
    });
  }

  /** Whether a (firing, target) already has its final outcome. */
  async isFinal(firingId: string, target: string): Promise<boolean> {
    const rows = await this.store.ingestQuery<{ n: number }>(
      `SELECT count() AS n FROM alert_deliveries WHERE firing_id = {f:String} AND target = {t:String}`,
      { f: firingId, t: target },
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }
}
