// The runner's states and the transitions allowed between them. A transition outside this table is
// a bug in the runner, so it throws instead of being silently taken.
//
//   idle ──start──▶ running ◀──retry succeeded── backing-off
//     │                │  └──a step failed──────────▲
//     │                ▼                             │
//     └──stop──▶ stopping ◀──────────stop────────────┘
//                      │
//                      ▼
//                   stopped
export type RunnerState = 'idle' | 'running' | 'backing-off' | 'stopping' | 'stopped';

const ALLOWED: Readonly<Record<RunnerState, readonly RunnerState[]>> = {
  idle: ['running', 'stopping'],
  running: ['backing-off', 'stopping'],
  'backing-off': ['running', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export class IllegalTransitionError extends Error {
  constructor(from: RunnerState, to: RunnerState) {
    super(`runner state ${from} -> ${to} is not allowed`);
  }
}

export class RunnerStates {
  #state: RunnerState = 'idle';

  get current(): RunnerState {
    return this.#state;
  }

  /** Moves to `next`; staying in the same state is a no-op. */
  to(next: RunnerState): void {
    if (next === this.#state) return;
    if (!ALLOWED[this.#state].includes(next)) throw new IllegalTransitionError(this.#state, next);
    this.#state = next;
  }

  /** True while the runner processes or retries (not before start, not once stopping). */
  get active(): boolean {
    return this.#state === 'running' || this.#state === 'backing-off';
  }
}
