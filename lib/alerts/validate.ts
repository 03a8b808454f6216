// Checks across the fields of a rule, which a per-field schema cannot make: the same function guards
// the API (a 400 naming the field), the CLI and an update that merges a patch into a stored rule.
import type { Condition, GroupSize, PriceBasis } from './model.ts';
import { isPriceCondition } from './model.ts';
import { targetUrlProblem, type TargetInput } from './targets.ts';

export interface RuleInput {
  name: string;
  event_id: string;
  zone: string | null;
  section: string | null;
  basis: PriceBasis;
  group_size: GroupSize;
  condition: Condition;
  cooldown_seconds: number;
  rearm_drop_pct: number | null;
  targets: TargetInput[];
  active: boolean;
}

export interface Problem {
  field: string;
  message: string;
}

/** Signing secrets: long enough to resist guessing, printable ASCII so they survive any config file. */
export const SECRET_RE = /^[\x21-\x7e]{16,256}$/;

/** The first problem of a rule, or null. Field paths are the API body's (`targets.0.secret`). */
export function ruleProblem(r: RuleInput): Problem | null {
  const kind = r.condition.kind;
  if (!isPriceCondition(kind)) {
    if (r.basis !== 'all_in')
      return { field: 'basis', message: `basis: ${kind} counts tickets or listings, it has no price basis` };
    if (r.group_size !== 1)
      return { field: 'group_size', message: `group_size: ${kind} counts tickets or listings; use 1` };
  }
  if (r.basis === 'base' && r.group_size !== 1)
    return {
      field: 'group_size',
      message:
        'group_size: prices before fees exist for single tickets only; use basis all_in for 2 or 4 seats together',
    };
  if (kind === 'new_listings' && r.rearm_drop_pct !== null)
    return { field: 'rearm_drop_pct', message: 'rearm_drop_pct: new_listings has no value to drop further' };
  if (r.section !== null && r.section.trim() === '') return { field: 'section', message: 'section: must not be blank' };
  if (r.zone !== null && r.zone.trim() === '') return { field: 'zone', message: 'zone: must not be blank' };
  for (const [i, t] of r.targets.entries()) {
    const urlProblem = targetUrlProblem(t.url);
    if (urlProblem) return { field: `targets.${i}.url`, message: `targets.${i}.url: ${urlProblem}` };
    if (t.format === 'json' && t.secret === null)
      return {
        field: `targets.${i}.secret`,
        message: `targets.${i}.secret: a json target needs a signing secret (16-256 printable characters)`,
      };
    if (t.secret !== null && !SECRET_RE.test(t.secret))
      return { field: `targets.${i}.secret`, message: `targets.${i}.secret: 16-256 printable ASCII characters` };
  }
  return null;
}
