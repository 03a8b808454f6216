// Faults the simulated marketplace can inject on demand, to exercise the scraper's error paths
// against a real socket. Rules are tried in order; the first that applies to a request answers it.
import { z } from 'zod';
import { rngFor } from './prng.ts';

export const FAULT_KINDS = [
  'rate_limit',
  'server_error',
  'slow',
  'malformed',
  'html',
  'forbidden',
  'reset',
  'not_found',
  /** 200 with a third of the listings left out, the announced counts unchanged (partial.ts). */
  'partial',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultRuleSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  /** Only requests for these productions; all when absent. */
  productionIds: z.array(z.string()).optional(),
  /** Only requests to this API (Vivid Seats' hermes or Gametime's); both when absent. */
  api: z.enum(['hermes', 'gametime']).optional(),
  /** Fires this many times, then is spent; unlimited when absent. */
  count: z.number().int().min(1).optional(),
  /** Chance that a matching request is hit (seeded draw); default 1. */
  probability: z.number().min(0).max(1).optional(),
  /** rate_limit: the Retry-After header, in seconds; default 1. */
  retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
  /** server_error: default 503. */
  status: z.number().int().min(500).max(599).optional(),
  /** slow: how long to wait before answering normally; default 1000. */
  delayMs: z.number().int().min(0).max(600_000).optional(),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;

/** The marketplace APIs the simulator speaks. */
export type SimApi = NonNullable<FaultRule['api']>;

export const faultPlanSchema = z.array(faultRuleSchema);

export class FaultInjector {
  private rules: { rule: FaultRule; left: number }[] = [];
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = rngFor(seed, 'faults');
  }

  set(plan: readonly FaultRule[]): void {
    this.rules = plan.map((rule) => ({ rule, left: rule.count ?? Infinity }));
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault that answers this request, if any; spends one use of a counted rule. */
  take(productionId: string | null, api: SimApi = 'hermes'): FaultRule | undefined {
    for (const r of this.rules) {
      if (r.left <= 0) continue;
      if (r.rule.api !== undefined && r.rule.api !== api) continue;
      if (r.rule.productionIds && (productionId === null || !r.rule.productionIds.includes(productionId))) continue;
      if (r.rule.probability !== undefined && this.random() >= r.rule.probability) continue;
      r.left--;
      return r.rule;
    }
    return undefined;
  }
}
