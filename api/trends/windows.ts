// Time ranges of the trend endpoints: defaults, limits, alignment to hourly / daily UTC windows,
// and whether every window of a range is already closed (which makes the response cacheable).
import { ValidationError } from '../../lib/errors.ts';

export type Granularity = 'hourly' | 'daily';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WINDOW_MS: Record<Granularity, number> = { hourly: HOUR_MS, daily: DAY_MS };
/** Default range when `from` is not given: the last 7 days hourly, 90 days daily. */
export const DEFAULT_RANGE_DAYS: Record<Granularity, number> = { hourly: 7, daily: 90 };

export const floorWindow = (ms: number, g: Granularity): number =>
  ms - (((ms % WINDOW_MS[g]) + WINDOW_MS[g]) % WINDOW_MS[g]);
export const ceilWindow = (ms: number, g: Granularity): number => {
  const f = floorWindow(ms, g);
  return f === ms ? ms : f + WINDOW_MS[g];
};

export interface ResolvedRange {
  /** The requested instants, [from, to). */
  from: number;
  to: number;
  /** Window starts included: every window that starts in [start, end), i.e. every window overlapping [from, to). */
  start: number;
  end: number;
  /** Every window of the range had ended before the current window began: the answer will not change. */
  closed: boolean;
}

/**
 * `to` defaults to now, `from` to `to` minus the default range (capped at `maxRangeDays`). `from` must
 * be before `to`, and the range at most `maxRangeDays` long; errors name the parameter the caller
 * gave (`to` when both were given).
 */
export function resolveRange(
  q: { from?: number | undefined; to?: number | undefined },
  g: Granularity,
  now: number,
  maxRangeDays: number,
): ResolvedRange {
  const maxMs = maxRangeDays * DAY_MS;
  const to = q.to ?? now;
  const from = q.from ?? Math.max(0, to - Math.min(DEFAULT_RANGE_DAYS[g] * DAY_MS, maxMs));
  const field = q.to !== undefined ? 'to' : 'from';
  if (from >= to) throw new ValidationError('`from` must be before `to`', field);
  if (to - from > maxMs) throw new ValidationError(`the range is longer than ${maxRangeDays} days`, field);
  return { from, to, start: floorWindow(from, g), end: ceilWindow(to, g), closed: to <= floorWindow(now, g) };
}
