// /v1/alerts: price-alert rules, their state, and recent firings with their deliveries
// (docs/alerts.md). Prices are US dollars here as everywhere in the API (cents in the topics and
// tables); durations are seconds. Target URLs and secrets go in, and never come out: a target is
// shown as its id, format, scheme and host, and whether it signs.
import { z } from '@hono/zod-openapi';
import { CONDITION_KINDS, TARGET_FORMATS } from '../../lib/alerts/model.ts';
import { ruleProblem, SECRET_RE, type RuleInput } from '../../lib/alerts/validate.ts';
import { EventId, IsoTime, PrintableText, QueryInt } from './common.ts';

export const RULE_ID_RE = /^alr_[0-9a-f]{16}$/;
const MAX_USD = 1_000_000;
const MAX_SECONDS = 365 * 86_400;

export const RuleId = z.string().regex(RULE_ID_RE, 'must be an alert rule id such as alr_0123456789abcdef').openapi({
  description: 'Alert rule id',
  example: 'alr_0123456789abcdef',
});

export const RuleIdParams = z.object({ ruleId: RuleId.openapi({ param: { name: 'ruleId', in: 'path' } }) });

const Pct = (description: string) =>
  z
    .number()
    .gt(0)
    .lt(100)
    .openapi({ description: `${description}, percent (0 < pct < 100)`, example: 10 });

const Seconds = (min: number, description: string) =>
  z
    .number()
    .int()
    .min(min)
    .max(MAX_SECONDS)
    .openapi({ description: `${description}, seconds` });

export const ConditionSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('below'),
      price: z
        .number()
        .gt(0)
        .max(MAX_USD)
        .openapi({ description: 'Fires when the price per ticket goes below this, USD', example: 150 }),
    }),
    z.strictObject({
      type: z.literal('drop_pct'),
      pct: Pct('Fires when the price is this much below the highest price of the window before it'),
      window_seconds: Seconds(60, 'The window'),
    }),
    z.strictObject({
      type: z.literal('new_low'),
      window_seconds: Seconds(60, 'The window; null or absent: the whole history').nullable().optional(),
    }),
    z.strictObject({
      type: z.literal('inventory_below'),
      tickets: z.number().int().min(1).max(10_000_000).openapi({ description: 'Fires when fewer tickets are on sale' }),
    }),
    z.strictObject({
      type: z.literal('new_listings'),
      min_new: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .optional()
        .openapi({ description: 'New listings at one scrape (the listing lifecycle), at least this many (default 1)' }),
    }),
  ])
  .openapi('AlertCondition', { description: `One of: ${CONDITION_KINDS.join(', ')}` });

const TargetInputSchema = z
  .strictObject({
    url: z.string().max(2048).openapi({ description: 'Webhook URL (http or https); never shown again' }),
    format: z.enum(TARGET_FORMATS).optional().openapi({ description: 'Body format: json (default), slack or discord' }),
    secret: z
      .string()
      .regex(SECRET_RE, 'must be 16-256 printable ASCII characters')
      .nullable()
      .optional()
      .openapi({ description: 'HMAC-SHA256 signing secret; required for json targets; never shown again' }),
  })
  .openapi('AlertTargetInput');

const ruleFields = {
  name: PrintableText(1, 200).openapi({ example: 'Floor under $150' }),
  event_id: EventId,
  zone: PrintableText(1, 200)
    .nullable()
    .optional()
    .openapi({ description: 'Zone name; absent: every zone, each on its own' }),
  section: PrintableText(1, 200)
    .nullable()
    .optional()
    .openapi({ description: 'Section name (read from section_snapshots); absent: the whole zone' }),
  basis: z
    .enum(['all_in', 'base'])
    .optional()
    .openapi({ description: 'all_in (with fees, default) or base (before fees)' }),
  group_size: z
    .union([z.literal(1), z.literal(2), z.literal(4)])
    .optional()
    .openapi({ description: 'Seats together from one listing, by the seller’s splits (default 1)' }),
  condition: ConditionSchema,
  cooldown_seconds: Seconds(0, 'Quiet time after a firing (default 3600)').optional(),
  rearm_drop_pct: Pct('Fire again without a clear after a further drop of this much below the last firing')
    .nullable()
    .optional(),
  targets: z.array(TargetInputSchema).min(1).max(5),
  active: z.boolean().optional().openapi({ description: 'Paused rules are not evaluated (default true)' }),
};

type ConditionBody = z.infer<typeof ConditionSchema>;

export function conditionFromBody(c: ConditionBody): RuleInput['condition'] {
  switch (c.type) {
    case 'below':
      return { kind: 'below', price_cents: Math.round(c.price * 100) };
    case 'drop_pct':
      return { kind: 'drop_pct', pct: c.pct, window_seconds: c.window_seconds };
    case 'new_low':
      return { kind: 'new_low', window_seconds: c.window_seconds ?? null };
    case 'inventory_below':
      return { kind: 'inventory_below', tickets: c.tickets };
    case 'new_listings':
      return { kind: 'new_listings', min_new: c.min_new ?? 1 };
  }
}

type TargetBody = z.infer<typeof TargetInputSchema>;
export const targetFromBody = (t: TargetBody): RuleInput['targets'][number] => ({
  url: t.url,
  format: t.format ?? 'json',
  secret: t.secret ?? null,
});

/** The body with defaults, as the repository takes it. */
export function ruleInputFromBody(b: z.infer<typeof NewRuleBodyBase>): RuleInput {
  return {
    name: b.name,
    event_id: b.event_id,
    zone: b.zone ?? null,
    section: b.section ?? null,
    basis: b.basis ?? 'all_in',
    group_size: b.group_size ?? 1,
    condition: conditionFromBody(b.condition),
    cooldown_seconds: b.cooldown_seconds ?? 3600,
    rearm_drop_pct: b.rearm_drop_pct ?? null,
    targets: b.targets.map(targetFromBody),
    active: b.active ?? true,
  };
}

const NewRuleBodyBase = z.strictObject(ruleFields);

/** Cross-field problems become issues on the field they name, like any schema error. */
export const NewRuleBody = NewRuleBodyBase.superRefine((b, ctx) => {
  const problem = ruleProblem(ruleInputFromBody(b));
  if (problem)
    ctx.addIssue({
      code: 'custom',
      path: problem.field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      message: problem.message.replace(/^[^:]+: /, ''),
    });
}).openapi('NewAlertRule');

export const RulePatchBody = z
  .strictObject({
    name: ruleFields.name.optional(),
    event_id: EventId.optional(),
    zone: ruleFields.zone,
    section: ruleFields.section,
    basis: ruleFields.basis,
    group_size: ruleFields.group_size,
    condition: ConditionSchema.optional(),
    cooldown_seconds: ruleFields.cooldown_seconds,
    rearm_drop_pct: ruleFields.rearm_drop_pct,
    targets: ruleFields.targets.optional().openapi({ description: 'Replaces every target' }),
    active: ruleFields.active,
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change')
  .openapi('AlertRulePatch');

const ConditionOut = z
  .strictObject({
    type: z.enum(CONDITION_KINDS),
    price: z.number().optional().openapi({ description: 'below: USD per ticket' }),
    pct: z.number().optional(),
    window_seconds: z.number().int().nullable().optional(),
    tickets: z.number().int().optional(),
    min_new: z.number().int().optional(),
  })
  .openapi('AlertConditionView');

const TargetOut = z
  .strictObject({
    target_id: z.string(),
    format: z.enum(TARGET_FORMATS),
    url: z.string().openapi({ description: 'Scheme and host only, e.g. https://hooks.slack.com/…' }),
    signed: z.boolean().openapi({ description: 'Deliveries carry X-TWS-Signature' }),
  })
  .openapi('AlertTarget');

const Value = z
  .number()
  .nullable()
  .openapi({ description: 'USD per ticket for price conditions; a ticket or listing count otherwise' });

const deliveryFields = {
  target_id: z.string(),
  status: z.enum(['delivered', 'dead_lettered', 'cancelled']),
  attempts: z.number().int(),
  http_status: z.number().int().nullable(),
  reason: z.string().openapi({ description: 'Why it was dead-lettered or cancelled; empty when delivered' }),
  finished_at: IsoTime('When the delivery ended'),
};

const DeliveryOut = z.strictObject(deliveryFields).openapi('AlertDelivery');

const SeriesOut = z
  .strictObject({
    series: z.string().openapi({ description: 'zone_id, or zone_id/section' }),
    armed: z.boolean().openapi({ description: 'False after a firing, until the condition clears' }),
    last_value: Value,
    last_observed_at: IsoTime('Event time of the latest evaluated scrape'),
    last_fired_at: IsoTime('Event time of the latest firing').nullable(),
  })
  .openapi('AlertSeriesState');

const StateOut = z
  .strictObject({
    last_fired_at: IsoTime('Latest firing, event time').nullable(),
    firings: z.number().int().openapi({ description: 'Firings in the last 400 days' }),
    series: z.array(SeriesOut),
    last_delivery: z
      .strictObject({ alert_id: z.string(), ...deliveryFields })
      .nullable()
      .openapi({ description: 'The latest delivery outcome of this rule; dead_lettered says the last one failed' }),
    dead_lettered: z.number().int().openapi({ description: 'Deliveries that ended in the dead-letter topic' }),
  })
  .openapi('AlertRuleState');

export const RuleSchema = z
  .strictObject({
    rule_id: z.string(),
    version: z.number().int(),
    name: z.string(),
    event_id: z.string(),
    zone: z.string().nullable(),
    section: z.string().nullable(),
    basis: z.enum(['all_in', 'base']),
    group_size: z.number().int(),
    condition: ConditionOut,
    cooldown_seconds: z.number().int(),
    rearm_drop_pct: z.number().nullable(),
    targets: z.array(TargetOut),
    active: z.boolean(),
    created_at: IsoTime('Created'),
    updated_at: IsoTime('Last change; scrapes before it do not fire this version'),
    state: StateOut.optional().openapi({ description: 'Present on reads' }),
  })
  .openapi('AlertRule');

export const RuleListSchema = z
  .strictObject({ rules: z.array(RuleSchema), limit: z.number().int(), offset: z.number().int() })
  .openapi('AlertRuleList');

export const RuleListQuery = z.object({
  event_id: EventId.optional().openapi({ description: 'Only the rules of this event' }),
  limit: QueryInt(1, 1000, 100, 'Page size'),
  offset: QueryInt(0, 1_000_000, 0, 'Rules to skip'),
});

export const FiringSchema = z
  .strictObject({
    alert_id: z.string().openapi({ description: 'Also the Idempotency-Key of its webhooks' }),
    kind: z.enum(['crossing', 'source_down', 'source_recovered']),
    rule_id: z.string().nullable(),
    event_id: z.string(),
    zone: z.string().nullable(),
    section: z.string().nullable(),
    observed_at: IsoTime('Event time of the scrape (or outcome) that fired it'),
    value: Value,
    reference: Value.openapi({ description: 'What the value was compared with, in the same unit' }),
    message: z.string(),
    deliveries: z.array(DeliveryOut),
    pending: z.number().int().openapi({ description: 'Targets without a final outcome yet' }),
  })
  .openapi('AlertFiring');

export const FiringListSchema = z.strictObject({ firings: z.array(FiringSchema) }).openapi('AlertFiringList');

export const FiringListQuery = z.object({
  event_id: EventId.optional().openapi({ description: 'Only firings of this event' }),
  rule_id: RuleId.optional().openapi({ description: 'Only firings of this rule' }),
  limit: QueryInt(1, 500, 50, 'Most recent firings to return'),
});
