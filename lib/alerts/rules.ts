// Alert rules, written like the event catalog: the compacted topic alerts.rules.v1 is the record of
// truth (the alerter reads it), and the `alert_rules` table serves queries. Writes publish first,
// then upsert the table, so a read right after a write sees it. Targets are sealed before either.
import { randomBytes } from 'node:crypto';
import type { Store } from '../clickhouse/store.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { conditionFields, conditionOf, type AlertRuleRecord, type GroupSize } from './model.ts';
import { readRule, upsertRule } from './rules-table.ts';
import type { SecretBox } from './secret-box.ts';
import { sealTarget } from './targets.ts';
import { ruleProblem, type RuleInput } from './validate.ts';

export type RulePatch = Partial<RuleInput>;

export const newRuleId = (): string => `alr_${randomBytes(8).toString('hex')}`;

/** The record's fields other than the targets, as a RuleInput (for merging a patch). */
function inputOf(r: AlertRuleRecord): Omit<RuleInput, 'targets'> {
  return {
    name: r.name,
    event_id: r.event_id,
    zone: r.zone,
    section: r.section,
    basis: r.basis,
    group_size: r.group_size as GroupSize,
    condition: conditionOf(r),
    cooldown_seconds: r.cooldown_seconds,
    rearm_drop_pct: r.rearm_drop_pct,
    active: r.active,
  };
}

function check(input: RuleInput): void {
  const problem = ruleProblem(input);
  if (problem) throw new ValidationError(problem.message, problem.field);
}

export class AlertRules {
  private readonly store: Store;
  private readonly box: SecretBox;
  private readonly publish?: (r: AlertRuleRecord) => Promise<void>;
  private readonly now: () => number;

  constructor(deps: {
    store: Store;
    box: SecretBox;
    publish?: (r: AlertRuleRecord) => Promise<void>;
    now?: () => number;
  }) {
    this.store = deps.store;
    this.box = deps.box;
    this.publish = deps.publish;
    this.now = deps.now ?? Date.now;
  }

  async get(ruleId: string): Promise<AlertRuleRecord | null> {
    const r = await readRule(this.store, ruleId);
    return r && !r.deleted ? r : null;
  }

  async create(input: RuleInput): Promise<AlertRuleRecord> {
    check(input);
    const now = this.now();
    return this.write(buildRecord(this.box, input, newRuleId(), now, now, now));
  }

  /** Targets given in the patch replace the rule's targets (with new ids); absent, they are kept. */
  async update(ruleId: string, patch: RulePatch): Promise<AlertRuleRecord> {
    const current = await this.get(ruleId);
    if (!current) throw new NotFoundError(`alert rule ${ruleId} not found`);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as RulePatch;
    const { targets, ...rest } = defined;
    const merged = { ...inputOf(current), ...rest };
    // The stored targets were checked when written; only new ones need checking again.
    check({ ...merged, targets: targets ?? [] });
    const now = this.now();
    const version = Math.max(now, current.version + 1);
    const next = buildRecord(this.box, { ...merged, targets: targets ?? [] }, ruleId, current.created_at, now, version);
    return this.write(targets === undefined ? { ...next, targets: current.targets } : next);
  }

  /** Removes a rule: a last version with deleted = true (compaction keeps it as the rule's end). */
  async remove(ruleId: string): Promise<AlertRuleRecord> {
    const current = await this.get(ruleId);
    if (!current) throw new NotFoundError(`alert rule ${ruleId} not found`);
    const now = this.now();
    return this.write(removedVersion(current, now));
  }

  private async write(r: AlertRuleRecord): Promise<AlertRuleRecord> {
    if (this.publish) await this.publish(r);
    await upsertRule(this.store, r);
    return r;
  }
}

export function buildRecord(
  box: SecretBox,
  input: RuleInput,
  ruleId: string,
  createdAt: number,
  updatedAt: number,
  version: number,
): AlertRuleRecord {
  return {
    rule_id: ruleId,
    version,
    name: input.name,
    event_id: input.event_id,
    zone: input.zone,
    section: input.section,
    basis: input.basis,
    group_size: input.group_size,
    ...conditionFields(input.condition),
    cooldown_seconds: input.cooldown_seconds,
    rearm_drop_pct: input.rearm_drop_pct,
    targets: input.targets.map((t) => sealTarget(box, t)),
    active: input.active,
    deleted: false,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

export function removedVersion(current: AlertRuleRecord, now: number): AlertRuleRecord {
  return {
    ...current,
    active: false,
    deleted: true,
    updated_at: now,
    version: Math.max(now, current.version + 1),
  };
}
