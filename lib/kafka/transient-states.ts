// Known transient Kafka states: during start-up and rebalances kafkajs logs, often at error level,
// states that resolve in a second (the coordinator is loading, a rebalance, a leader election).
// They log at debug while they last less than a bound, and as one error per bound after that: a
// healthy start prints no error, and a state that does not resolve still gets attention.

/** How long a known transient state may last before it is logged as an error. */
export const TRANSIENT_BOUND_MS = 30_000;

const STATES: ReadonlyArray<readonly [state: string, pattern: RegExp]> = [
  ['coordinator loading', /coordinator is loading/i],
  ['coordinator unavailable', /group coordinator is not available/i],
  ['coordinator moved', /not the correct coordinator/i],
  ['leader election', /no leader for this topic-partition|not the leader for that topic-partition/i],
  ['rebalance', /group is rebalancing|generation id is not valid|not aware of this member/i],
  ['metadata settling', /does not host this topic-partition/i],
  ['consumer restart', /^Restarting the consumer/],
  ['broker unreachable', /ECONNREFUSED|Connection timeout|Failed to connect to (seed )?broker|Connection error/i],
];

/** The known transient state a kafkajs log text describes, if any. */
export function transientState(text: string): string | undefined {
  return STATES.find(([, pattern]) => pattern.test(text))?.[0];
}

interface Streak {
  first: number;
  last: number;
  /** When the last error about this streak was logged. */
  reported?: number;
}

export type GatedLevel = 'debug' | 'error';

/**
 * Decides the level of each transient entry. A streak of one state lasts while the state keeps
 * being seen with gaps shorter than the bound; its entries are debug until the streak is `boundMs`
 * old, then one error per `boundMs` (the rest stay debug).
 */
export class TransientStates {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly boundMs = TRANSIENT_BOUND_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when `text` is no known transient state; else its level and how long it has lasted. */
  see(text: string): { state: string; level: GatedLevel; lastedMs: number } | undefined {
    const state = transientState(text);
    if (!state) return undefined;
    const now = this.now();
    let streak = this.streaks.get(state);
    if (!streak || now - streak.last > this.boundMs) {
      streak = { first: now, last: now };
      this.streaks.set(state, streak);
    }
    streak.last = now;
    const lastedMs = now - streak.first;
    const due = lastedMs >= this.boundMs && (streak.reported === undefined || now - streak.reported >= this.boundMs);
    if (due) streak.reported = now;
    return { state, level: due ? 'error' : 'debug', lastedMs };
  }
}
