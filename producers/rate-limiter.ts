// Politeness towards a marketplace: at most `limit` requests per sliding window, per key (the source
// host). One pump per key grants slots in arrival order; when the window is full it sleeps once,
// until the oldest grant leaves the window, then looks again.
import { ConfigError } from '../lib/errors.ts';
import { sleep as timerSleep } from '../lib/retry.ts';

export interface RateLimiter {
  /** Resolves when a request to `key` may be sent; rejects with `signal.reason` when aborted. */
  acquire(key: string, signal?: AbortSignal): Promise<void>;
}

export interface SlidingWindowOptions {
  /** Requests allowed per window; default 60. */
  limit?: number;
  /** Default 60 000 (one minute). */
  windowMs?: number;
  /**
   * Extra spacing added to the window, default 1 s: the server sees each request a little after we
   * grant it, and by varying amounts (an event loop stalled under load delays some sends by hundreds
   * of ms, seen here as 64 requests in one of the server's 60 s windows with 100 ms of slack), so
   * without slack its own window could count more than the limit. 1 s costs 1.7 % of the rate.
   */
  marginMs?: number;
  /** A monotonic clock in ms; wall-clock jumps must not open or close the window. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface Waiter {
  resolve: () => void;
  detach: () => void;
}

interface KeyState {
  /** Grant times inside the current window, oldest first. */
  granted: number[];
  queue: Waiter[];
  pumping: boolean;
  /** Cuts the pump's sleep short once nobody is waiting any more. */
  wake: AbortController | null;
}

export class SlidingWindowRateLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly span: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly keys = new Map<string, KeyState>();

  constructor(opts: SlidingWindowOptions = {}) {
    this.limit = opts.limit ?? 60;
    this.windowMs = opts.windowMs ?? 60_000;
    const margin = opts.marginMs ?? 1_000;
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new ConfigError(`rate limit must be an integer ≥ 1`);
    if (!(this.windowMs > 0) || !(margin >= 0)) throw new ConfigError('rate-limit window must be > 0, margin ≥ 0');
    this.span = this.windowMs + margin;
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? timerSleep;
  }

  acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { granted: [], queue: [], pumping: false, wake: null }));
    const s = state;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        s.queue.splice(s.queue.indexOf(waiter), 1);
        if (s.queue.length === 0) s.wake?.abort();
        reject(signal?.reason);
      };
      const waiter: Waiter = { resolve, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      s.queue.push(waiter);
      if (!s.pumping) void this.pump(s);
    });
  }

  private async pump(s: KeyState): Promise<void> {
    s.pumping = true;
    try {
      while (s.queue.length > 0) {
        const now = this.now();
        while (s.granted.length > 0 && s.granted[0]! <= now - this.span) s.granted.shift();
        if (s.granted.length < this.limit) {
          s.granted.push(now);
          const head = s.queue.shift()!;
          head.detach();
          head.resolve();
          continue;
        }
        s.wake = new AbortController();
        // Rejects only when woken because the queue emptied; the loop condition then ends the pump.
        await this.sleep(s.granted[0]! + this.span - now, s.wake.signal).catch(() => undefined);
        s.wake = null;
      }
    } finally {
      s.pumping = false;
    }
  }
}

/** The most `times` (ms) that fall inside any one window [t, t + windowMs): the bound the limiter keeps. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
