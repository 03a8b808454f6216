// Waiting that a shutdown can cut short. A stop must never wait on work that started before it and
// cannot itself be cancelled (a catalog read, a send to a broker that is down): `abortable` stops
// waiting for it, and the work's late result is ignored.

export class AbortedError extends Error {
  constructor(reason?: unknown) {
    super(typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'aborted');
    this.name = 'AbortedError';
  }
}

/** Throws AbortedError when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason);
}

/** Resolves or rejects as `work` does, or rejects with AbortedError as soon as `signal` aborts. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new AbortedError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Checks `check` until it holds (true), every `pollMs`, for at most `waitMs`; false when time runs
 * out or `signal` aborts first. The check runs at least once.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  opts: { waitMs: number; pollMs: number; signal?: AbortSignal },
): Promise<boolean> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline || opts.signal?.aborted) return false;
    await pause(opts.pollMs, opts.signal);
  }
}

/** Resolves with `work`'s outcome, or with `undefined` and a call to `onTimeout` after `ms`. */
export async function withinMs<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
