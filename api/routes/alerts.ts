// /v1/alerts: price-alert rules (lib/alerts/rules.ts: published to the compacted rules topic, then
// upserted into alert_rules) and recent firings with their deliveries. Writes need an API key, like
// every write. Targets' URLs and secrets are taken in and never returned.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';
import { isPriceCondition } from '../../lib/alerts/model.ts';
import type { AlertRules } from '../../lib/alerts/rules.ts';
import { readRule } from '../../lib/alerts/rules-table.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { HttpError } from '../errors.ts';
import { deliveryStats, listRules, recentFirings, seriesOf, type DeliveryRow } from '../queries/alerts.ts';
import {
  FiringListQuery,
  FiringListSchema,
  NewRuleBody,
  RuleIdParams,
  RuleListQuery,
  RuleListSchema,
  RulePatchBody,
  RuleSchema,
  conditionFromBody,
  ruleInputFromBody,
  targetFromBody,
} from '../schemas/alerts.ts';
import { toIso, toIsoOrNull } from '../schemas/time.ts';
import { centsToUsd } from '../trends/money.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E404, E413 } from './common.ts';

/** A value in the API's units: USD for a price condition, a count otherwise. */
const valueOut = (condition: string | null, v: number | null): number | null =>
  v === null ? null : condition !== null && isPriceCondition(condition as never) ? centsToUsd(v) : Number(v);

function conditionJson(r: AlertRuleRecord) {
  switch (r.condition) {
    case 'below':
      return { type: r.condition, price: centsToUsd(r.price_cents) ?? 0 };
    case 'drop_pct':
      return { type: r.condition, pct: r.drop_pct ?? 0, window_seconds: r.window_seconds };
    case 'new_low':
      return { type: r.condition, window_seconds: r.window_seconds };
    case 'inventory_below':
      return { type: r.condition, tickets: r.tickets ?? 0 };
    case 'new_listings':
      return { type: r.condition, min_new: r.min_new_listings ?? 1 };
  }
}

const deliveryJson = (d: DeliveryRow) => ({
  target_id: d.target.split('/')[1] ?? d.target,
  status: d.status,
  attempts: Number(d.attempts),
  http_status: d.http_status === null ? null : Number(d.http_status),
  reason: d.reason,
  finished_at: toIso(Number(d.finished_at_ms)),
});

export function ruleJson(r: AlertRuleRecord) {
  return {
    rule_id: r.rule_id,
    version: r.version,
    name: r.name,
    event_id: r.event_id,
    zone: r.zone,
    section: r.section,
    basis: r.basis,
    group_size: r.group_size,
    condition: conditionJson(r),
    cooldown_seconds: r.cooldown_seconds,
    rearm_drop_pct: r.rearm_drop_pct,
    targets: r.targets.map((t) => ({ target_id: t.target_id, format: t.format, url: t.url_hint, signed: t.signed })),
    active: r.active,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

/** Rules with their state: series of the current version, firings and the latest delivery. */
async function withState(deps: RouteDeps, rules: AlertRuleRecord[]) {
  const ids = rules.map((r) => r.rule_id);
  const [series, stats] = await Promise.all([seriesOf(deps.store, ids), deliveryStats(deps.store, ids)]);
  return rules.map((r) => {
    const own = series.filter((s) => s.rule_id === r.rule_id && Number(s.rule_version) === r.version);
    const fired = own.map((s) => s.last_fired_at_ms).filter((t): t is number => t !== null);
    const st = stats.get(r.rule_id)!;
    return {
      ...ruleJson(r),
      state: {
        last_fired_at: fired.length ? toIso(Math.max(...fired.map(Number))) : null,
        firings: st.firings,
        series: own.map((s) => ({
          series: s.series,
          armed: Boolean(s.armed),
          last_value: valueOut(r.condition, s.last_value === null ? null : Number(s.last_value)),
          last_observed_at: toIso(Number(s.last_observed_at_ms)),
          last_fired_at: toIsoOrNull(s.last_fired_at_ms === null ? null : Number(s.last_fired_at_ms)),
        })),
        last_delivery: st.last ? { alert_id: st.last.firing_id, ...deliveryJson(st.last) } : null,
        dead_lettered: st.dead_lettered,
      },
    };
  });
}

const json = <S>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } });

export function alertRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const writable = (): AlertRules => {
    if (!deps.alertRules)
      throw new HttpError(
        503,
        'ALERTS_DISABLED',
        'alert rules cannot be written here: TWS_ALERT_SECRET_KEY is not set',
        {
          headers: { 'Retry-After': '3600' },
        },
      );
    return deps.alertRules;
  };
  const requireEvent = async (eventId: string) => {
    if (!(await deps.catalog.get(eventId))) throw new ValidationError(`event_id: no event ${eventId}`, 'event_id');
  };
  const one = async (ruleId: string) => {
    const rule = await readRule(deps.store, ruleId);
    if (!rule || rule.deleted) throw new NotFoundError(`alert rule ${ruleId} not found`);
    return (await withState(deps, [rule]))[0]!;
  };

  // Registered before /alerts/{ruleId}, which would otherwise take the path.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts/firings',
      tags: ['alerts'],
      summary: 'Recent alert firings with their deliveries',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { query: FiringListQuery },
      responses: { 200: json(FiringListSchema, 'Firings, newest event time first'), ...COMMON_ERRORS },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await recentFirings(deps.store, q);
      return c.json(
        {
          firings: rows.map((f) => ({
            alert_id: f.firing_id,
            kind: f.kind,
            rule_id: f.rule_id || null,
            event_id: f.event_id,
            zone: f.zone || null,
            section: f.section || null,
            observed_at: toIso(Number(f.observed_at_ms)),
            value: valueOut(f.condition, f.value === null ? null : Number(f.value)),
            reference: valueOut(f.condition, f.reference === null ? null : Number(f.reference)),
            message: f.message,
            deliveries: f.deliveries.map(deliveryJson),
            pending: Math.max(0, f.targets.length - f.deliveries.length),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts',
      tags: ['alerts'],
      summary: 'List alert rules with their state',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { query: RuleListQuery },
      responses: { 200: json(RuleListSchema, 'Rules, newest first'), ...COMMON_ERRORS },
    }),
    async (c) => {
      const { event_id, limit, offset } = c.req.valid('query');
      const rules = await listRules(deps.store, { ...(event_id ? { event_id } : {}), limit, offset });
      return c.json({ rules: await withState(deps, rules), limit, offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/alerts',
      tags: ['alerts'],
      summary: 'Create an alert rule',
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: { body: { required: true, content: { 'application/json': { schema: NewRuleBody } } } },
      responses: { 201: json(RuleSchema, 'Created'), ...COMMON_ERRORS, ...E413 },
    }),
    async (c) => {
      const input = ruleInputFromBody(c.req.valid('json'));
      const rules = writable();
      await requireEvent(input.event_id);
      const created = await rules.create(input);
      c.header('Location', `/v1/alerts/${created.rule_id}`);
      return c.json(ruleJson(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts/{ruleId}',
      tags: ['alerts'],
      summary: 'One alert rule with its state and latest delivery',
      middleware: [deps.auth.read],
      security: deps.security.read,
      request: { params: RuleIdParams },
      responses: { 200: json(RuleSchema, 'The rule'), ...COMMON_ERRORS, ...E404 },
    }),
    async (c) => c.json(await one(c.req.valid('param').ruleId), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/alerts/{ruleId}',
      tags: ['alerts'],
      summary: 'Change an alert rule (a new version: its state starts over)',
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: {
        params: RuleIdParams,
        body: { required: true, content: { 'application/json': { schema: RulePatchBody } } },
      },
      responses: { 200: json(RuleSchema, 'The changed rule'), ...COMMON_ERRORS, ...E404, ...E413 },
    }),
    async (c) => {
      const { ruleId } = c.req.valid('param');
      const b = c.req.valid('json');
      const rules = writable();
      if (b.event_id !== undefined) await requireEvent(b.event_id);
      const updated = await rules.update(ruleId, {
        ...(b.name === undefined ? {} : { name: b.name }),
        ...(b.event_id === undefined ? {} : { event_id: b.event_id }),
        ...(b.zone === undefined ? {} : { zone: b.zone }),
        ...(b.section === undefined ? {} : { section: b.section }),
        ...(b.basis === undefined ? {} : { basis: b.basis }),
        ...(b.group_size === undefined ? {} : { group_size: b.group_size }),
        ...(b.condition === undefined ? {} : { condition: conditionFromBody(b.condition) }),
        ...(b.cooldown_seconds === undefined ? {} : { cooldown_seconds: b.cooldown_seconds }),
        ...(b.rearm_drop_pct === undefined ? {} : { rearm_drop_pct: b.rearm_drop_pct }),
        ...(b.targets === undefined ? {} : { targets: b.targets.map(targetFromBody) }),
        ...(b.active === undefined ? {} : { active: b.active }),
      });
      return c.json(ruleJson(updated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/alerts/{ruleId}',
      tags: ['alerts'],
      summary: 'Remove an alert rule (its pending deliveries are cancelled)',
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: { params: RuleIdParams },
      responses: { 200: json(RuleSchema, 'The removed rule'), ...COMMON_ERRORS, ...E404 },
    }),
    async (c) => {
      const { ruleId } = c.req.valid('param');
      return c.json(ruleJson(await writable().remove(ruleId)), 200);
    },
  );

  return app;
}
