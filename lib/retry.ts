// One retrier for the whole project, shaped like kafkajs's: the attempt function may `bail` with an
// error that must not be retried; other errors are retried with exponential backoff and full jitter.

export interface RetryOptions {
  /** Total attempts, the first one included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0 = no jitter, 1 = full jitter (delay drawn from [0, backoff]). */
  jitter?: number;
  /** Called before each wait; `delayMs` may be overridden by returning a number (e.g. Retry-After). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => number | void;
  shouldRetry?: (err: unknown) => boolean;
  signal?: AbortSignal;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class BailError extends Error {
  constructor(readonly original: unknown) {
    super('bail');
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Backoff before retry number `retry` (1-based): min(max, initial * 2^(retry-1)), jittered. */
export function backoffDelay(
  retry: number,
  opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>,
  random = Math.random,
): number {
  const base = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** (retry - 1));
  const jitter = opts.jitter ?? 0;
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

export async function retry<T>(
  fn: (attempt: number, bail: (err: unknown) => never) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const wait = opts.sleep ?? sleep;
  const bail = (err: unknown): never => {
    throw new BailError(err);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt, bail);
    } catch (err) {
      if (err instanceof BailError) throw err.original;
      if (attempt >= opts.attempts || (opts.shouldRetry && !opts.shouldRetry(err))) throw err;
      let delay = backoffDelay(attempt, opts, opts.random);
      const override = opts.onRetry?.(err, attempt, delay);
      if (typeof override === 'number') delay = override;
      await wait(delay, opts.signal);
    }
  }
}
