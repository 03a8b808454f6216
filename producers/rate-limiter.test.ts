import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { busiestWindow, SlidingWindowRateLimiter } from './rate-limiter.ts';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Virtual time: sleeps resolve only when the test advances the clock past them. */
class FakeClock {
  t = 0;
  sleeps = 0;
  private timers: { at: number; resolve: () => void }[] = [];

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.sleeps++;
      const timer = { at: this.t + ms, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Fires every timer due up to now + ms, in time order, letting promise chains settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    this.t = end;
    await flush();
  }
}

describe('SlidingWindowRateLimiter', () => {
  it('never grants more than the limit in any window over a long run with many concurrent callers', async () => {
    const clock = new FakeClock();
    const limiter = new SlidingWindowRateLimiter({ limit: 5, windowMs: 1000, marginMs: 0, ...clock });
    const grants: number[] = [];
    const until = 60_000;
    const caller = async (id: number) => {
      for (let n = 0; clock.now() < until; n++) {
        await limiter.acquire('host');
        grants.push(clock.now());
        // Uneven work between requests so grants do not fall on neat boundaries.
        await clock.sleep(((id * 37 + n * 101) % 250) + 1);
      }
    };
    let finished = false;
    const callers = Promise.all(Array.from({ length: 20 }, (_, id) => caller(id))).then(() => (finished = true));
    while (!finished) await clock.advance(97);
    await callers;

    expect(busiestWindow(grants, 1000)).toBe(5);
    // Demand always exceeds the limit, so the limiter must also hand out every slot it has.
    expect(grants.length).toBeGreaterThanOrEqual(5 * 60);
  });

  it('holds the bound for arbitrary limits, windows, margins and arrival schedules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 10, max: 500 }),
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 60 }),
        async (limit, windowMs, marginMs, arrivals) => {
          const clock = new FakeClock();
          const limiter = new SlidingWindowRateLimiter({ limit, windowMs, marginMs, ...clock });
          const grants: number[] = [];
          const done: Promise<void>[] = [];
          for (const at of [...arrivals].sort((a, b) => a - b)) {
            await clock.advance(at - clock.now());
            done.push(limiter.acquire('k').then(() => void grants.push(clock.now())));
          }
          await clock.advance(arrivals.length * (windowMs + marginMs) + 1);
          await Promise.all(done);
          expect(grants).toHaveLength(arrivals.length);
          expect(busiestWindow(grants, windowMs + marginMs)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('serves waiters first come, first served, sleeping once per window', async () => {
    const clock = new FakeClock();
    const limiter = new SlidingWindowRateLimiter({ limit: 1, windowMs: 1000, marginMs: 0, ...clock });
    const order: string[] = [];
    const take = (name: string) => limiter.acquire('host').then(() => void order.push(`${name}@${clock.now()}`));
    const all = [take('a'), take('b'), take('c')];
    await clock.advance(500);
    all.push(take('d'));
    await clock.advance(5000);
    await Promise.all(all);
    expect(order).toEqual(['a@0', 'b@1000', 'c@2000', 'd@3000']);
    expect(clock.sleeps).toBe(3);
  });

  it('adds the margin to the window', async () => {
    const clock = new FakeClock();
    const limiter = new SlidingWindowRateLimiter({ limit: 2, windowMs: 1000, marginMs: 100, ...clock });
    const at: number[] = [];
    const all = [1, 2, 3].map(() => limiter.acquire('host').then(() => void at.push(clock.now())));
    await clock.advance(2000);
    await Promise.all(all);
    expect(at).toEqual([0, 0, 1100]);
  });

  it('keeps keys independent', async () => {
    const clock = new FakeClock();
    const limiter = new SlidingWindowRateLimiter({ limit: 1, windowMs: 1000, ...clock });
    await limiter.acquire('a.example');
    await limiter.acquire('b.example');
    expect(clock.sleeps).toBe(0);
  });

  it('rejects an aborted waiter at once, without using a slot or delaying the ones behind it', async () => {
    const clock = new FakeClock();
    const limiter = new SlidingWindowRateLimiter({ limit: 1, windowMs: 1000, marginMs: 0, ...clock });
    await limiter.acquire('host');
    const ctl = new AbortController();
    const aborted = limiter.acquire('host', ctl.signal);
    let cAt = -1;
    const c = limiter.acquire('host').then(() => void (cAt = clock.now()));
    ctl.abort(new Error('deadline'));
    await expect(aborted).rejects.toThrow('deadline');
    await clock.advance(1000);
    await c;
    expect(cAt).toBe(1000);
  });

  it('rejects an already aborted signal and stops sleeping once nobody waits', async () => {
    const clock = new FakeClock();
    const limiter = new SlidingWindowRateLimiter({ limit: 1, windowMs: 1000, ...clock });
    await expect(limiter.acquire('host', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    await limiter.acquire('host');
    const ctl = new AbortController();
    const waiting = limiter.acquire('host', ctl.signal);
    await flush();
    expect(clock.pendingTimers).toBe(1);
    ctl.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await flush();
    expect(clock.pendingTimers).toBe(0);
  });

  it('measures the busiest window', () => {
    expect(busiestWindow([], 1000)).toBe(0);
    expect(busiestWindow([0, 999, 1000, 1500, 1999], 1000)).toBe(3);
    expect(busiestWindow([5, 0, 5, 5], 1)).toBe(3);
  });

  it('refuses nonsense settings', () => {
    expect(() => new SlidingWindowRateLimiter({ limit: 0 })).toThrow(ConfigError);
    expect(() => new SlidingWindowRateLimiter({ limit: 1.5 })).toThrow(ConfigError);
    expect(() => new SlidingWindowRateLimiter({ windowMs: 0 })).toThrow(ConfigError);
  });
});
