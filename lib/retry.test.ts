// The retrier's decisions, with fakes and no network: how many attempts, how long each wait, when it
// stops (bail, shouldRetry, abort), and who may override a wait (onRetry, as fetchJson does with
// Retry-After). The sleep is a fake that records each wait and returns at once.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, retry, sleep, type RetryOptions } from './retry.ts';

class Boom extends Error {
  constructor(readonly n: number) {
    super(`boom ${n}`);
  }
}

/** A function that fails its first `failures` attempts (with Boom(attempt)), then returns `ok`. */
function flaky(failures: number) {
  const attempts: number[] = [];
  const fn = async (attempt: number) => {
    attempts.push(attempt);
    if (attempt <= failures) throw new Boom(attempt);
    return `ok after ${attempt}`;
  };
  return { fn, attempts };
}

/** Options with a recording sleep: `waits` gets each delay the retrier asks for. */
function fakes(over: Partial<RetryOptions> = {}) {
  const waits: number[] = [];
  const signals: Array<AbortSignal | undefined> = [];
  const opts: RetryOptions = {
    attempts: 5,
    initialDelayMs: 100,
    maxDelayMs: 1_000,
    jitter: 0,
    sleep: async (ms, signal) => {
      waits.push(ms);
      signals.push(signal);
    },
    ...over,
  };
  return { opts, waits, signals };
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: unknown) => e,
  );

describe('retry: attempts', () => {
  it('returns the first success without waiting', async () => {
    const { fn, attempts } = flaky(0);
    const { opts, waits } = fakes();
    await expect(retry(fn, opts)).resolves.toBe('ok after 1');
    expect(attempts).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it('retries failures and numbers the attempts from 1', async () => {
    const { fn, attempts } = flaky(3);
    const { opts, waits } = fakes({ attempts: 5 });
    await expect(retry(fn, opts)).resolves.toBe('ok after 4');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(waits).toHaveLength(3); // one wait between each pair of attempts
  });

  it('makes exactly `attempts` tries, the first included, then throws the last error', async () => {
    const { fn, attempts } = flaky(Infinity);
    const { opts, waits } = fakes({ attempts: 4 });
    const err = await rejection(retry(fn, opts));
    expect(err).toBeInstanceOf(Boom);
    expect((err as Boom).n).toBe(4);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(waits).toHaveLength(3); // no wait after the last attempt
  });

  it('with attempts = 1, tries once and never waits', async () => {
    const { fn, attempts } = flaky(Infinity);
    const { opts, waits } = fakes({ attempts: 1 });
    expect(((await rejection(retry(fn, opts))) as Boom).n).toBe(1);
    expect(attempts).toEqual([1]);
    expect(waits).toEqual([]);
  });
});

describe('retry: backoff', () => {
  it('doubles from initialDelayMs and stops at maxDelayMs (no jitter)', async () => {
    const { fn } = flaky(Infinity);
    const { opts, waits } = fakes({ attempts: 7, initialDelayMs: 100, maxDelayMs: 1_000 });
    await rejection(retry(fn, opts));
    expect(waits).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('draws a jittered wait from [backoff × (1 − jitter), backoff], using the injected random', async () => {
    const { fn } = flaky(3);
    const draws = [0, 0.5, 0.999_999];
    const { opts, waits } = fakes({ jitter: 0.5, random: () => draws.shift()! });
    await retry(fn, opts);
    // backoffs 100, 200, 400; half of each is drawn.
    expect(waits).toEqual([50, 150, 400]);
  });

  it('full jitter (1) can wait anything from 0 to the backoff', async () => {
    const { fn } = flaky(2);
    const draws = [0, 0.25];
    const { opts, waits } = fakes({ jitter: 1, random: () => draws.shift()! });
    await retry(fn, opts);
    expect(waits).toEqual([0, 50]);
  });

  it('backoffDelay stays within its bounds for any retry, bounds, jitter and draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (n, initialDelayMs, maxDelayMs, jitter, draw) => {
          const d = backoffDelay(n, { initialDelayMs, maxDelayMs, jitter }, () => draw);
          // Worked out here, not by the code: the un-jittered backoff of retry n.
          const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (n - 1));
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)));
          expect(d).toBeLessThanOrEqual(Math.ceil(base));
          expect(d).toBeLessThanOrEqual(maxDelayMs);
          if (jitter === 0) expect(d).toBe(base);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('retry: stopping early', () => {
  it('bail stops at once and rethrows the original error, not a wrapper', async () => {
    const reason = new Error('404: will not get better');
    const attempts: number[] = [];
    const { opts, waits } = fakes();
    const err = await rejection(
      retry(async (attempt, bail) => {
        attempts.push(attempt);
        if (attempt < 2) throw new Boom(attempt);
        return bail(reason);
      }, opts),
    );
    expect(err).toBe(reason);
    expect(attempts).toEqual([1, 2]);
    expect(waits).toEqual([100]); // the wait before attempt 2, none after the bail
  });

  it('bail with a non-Error value rethrows that value', async () => {
    const { opts } = fakes();
    expect(await rejection(retry((_attempt, bail) => Promise.resolve(bail('plain string')), opts))).toBe(
      'plain string',
    );
  });

  it('shouldRetry false ends it on that error, with no wait', async () => {
    const seen: unknown[] = [];
    const { fn, attempts } = flaky(Infinity);
    const { opts, waits } = fakes({
      shouldRetry: (err) => {
        seen.push(err);
        return (err as Boom).n < 2;
      },
    });
    expect(((await rejection(retry(fn, opts))) as Boom).n).toBe(2);
    expect(attempts).toEqual([1, 2]);
    expect(seen.map((e) => (e as Boom).n)).toEqual([1, 2]);
    expect(waits).toEqual([100]);
  });

  it('passes its signal to every wait, and an abort during a wait ends it with the reason', async () => {
    const controller = new AbortController();
    const { fn, attempts } = flaky(Infinity);
    const { opts, signals } = fakes({
      signal: controller.signal,
      sleep: async (_ms, signal) => {
        signals.push(signal);
        controller.abort(new Error('shutting down'));
        signal?.throwIfAborted();
      },
    });
    const err = await rejection(retry(fn, opts));
    expect((err as Error).message).toBe('shutting down');
    expect(signals).toEqual([controller.signal]);
    expect(attempts).toEqual([1]); // no attempt after the abort
  });
});

describe('retry: onRetry', () => {
  it('sees each failure, its attempt number and the planned wait, before the wait', async () => {
    const calls: Array<[number, number, number]> = [];
    const { fn } = flaky(3);
    const { opts, waits } = fakes({
      onRetry: (err, attempt, delayMs) => {
        calls.push([(err as Boom).n, attempt, delayMs]);
        expect(waits).toHaveLength(attempt - 1); // called before that retry's wait
      },
    });
    await retry(fn, opts);
    expect(calls).toEqual([
      [1, 1, 100],
      [2, 2, 200],
      [3, 3, 400],
    ]);
    expect(waits).toEqual([100, 200, 400]); // returning nothing keeps the backoff
  });

  it('a number it returns replaces the wait (as fetchJson does with Retry-After), in either direction', async () => {
    const { fn } = flaky(3);
    const overrides = [5_000, 0, undefined];
    const { opts, waits } = fakes({ onRetry: () => overrides.shift() });
    await retry(fn, opts);
    // Above maxDelayMs too: the override is the caller's decision, not bounded by the backoff.
    expect(waits).toEqual([5_000, 0, 400]);
  });

  it('is not called when no retry follows (last attempt, bail, shouldRetry false)', async () => {
    const onRetry = vi.fn();
    await rejection(retry(flaky(Infinity).fn, fakes({ attempts: 1, onRetry }).opts));
    await rejection(retry((_a, bail) => Promise.resolve(bail(new Error('x'))), fakes({ onRetry }).opts));
    await rejection(retry(flaky(Infinity).fn, fakes({ shouldRetry: () => false, onRetry }).opts));
    expect(onRetry).not.toHaveBeenCalled();
  });
});

describe('sleep', () => {
  afterEach(() => vi.useRealTimers());

  it('resolves after the time asked, not before', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects with the reason when aborted before or during the wait', async () => {
    vi.useFakeTimers();
    const before = new AbortController();
    before.abort(new Error('already stopped'));
    await expect(sleep(1_000, before.signal)).rejects.toThrow('already stopped');
    const during = new AbortController();
    const p = rejection(sleep(60_000, during.signal));
    await vi.advanceTimersByTimeAsync(10);
    during.abort(new Error('stopped mid-wait'));
    expect(((await p) as Error).message).toBe('stopped mid-wait');
    expect(vi.getTimerCount()).toBe(0); // its timer was cleared
  });
});
