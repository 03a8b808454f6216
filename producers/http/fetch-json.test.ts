import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scrapeRetries } from '../../lib/metrics.ts';
import { SlidingWindowRateLimiter, type RateLimiter } from '../rate-limiter.ts';
import { HERMES_LISTINGS_PATH } from '../sources/vividseats/hermes.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../sources/simulated/server.ts';
import { SourceError } from '../sources/source.ts';
import { fetchJson, type FetchJsonOptions } from './fetch-json.ts';

let sim: SimulatedMarketplace;
const url = (id = '5000001') => `${sim.url}${HERMES_LISTINGS_PATH}?productionId=${id}`;

/** Counts acquisitions, so we can see the limiter was asked before every attempt. */
class CountingLimiter implements RateLimiter {
  calls = 0;
  private readonly inner = new SlidingWindowRateLimiter({ limit: 10_000 });
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    this.calls++;
    return this.inner.acquire(key, signal);
  }
}

let limiter: CountingLimiter;
let waits: number[];
const options = (over: Partial<FetchJsonOptions> = {}): FetchJsonOptions => ({
  rateLimiter: limiter,
  timeoutMs: 400,
  initialDelayMs: 20,
  maxDelayMs: 80,
  // Records each backoff the retrier asks for, and keeps it short.
  sleep: async (ms) => {
    waits.push(ms);
    await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50)));
  },
  ...over,
});

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

const retriesCounted = async (reason: string) =>
  (await scrapeRetries.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 42, events: 3 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
  limiter = new CountingLimiter();
  waits = [];
});

describe('fetchJson against the simulated marketplace', () => {
  it('gets and decodes JSON in one attempt, with the scraper headers', async () => {
    const res = await fetchJson(url(), options());
    expect(res).toMatchObject({ httpStatus: 200, attempts: 1, retries: 0 });
    expect((res.body as { tickets: unknown[] }).tickets.length).toBeGreaterThan(0);
    expect(sim.stats().requests[0]).toMatchObject({ userAgent: 'TWS-Analytics-Bot', accept: 'application/json' });
    expect(limiter.calls).toBe(1);
  });

  it('retries a 429 and waits at least as long as Retry-After asks', async () => {
    sim.setFaults([{ kind: 'rate_limit', count: 1, retryAfterSeconds: 1 }]);
    const before = await retriesCounted('rate_limited');
    const res = await fetchJson(url(), options({ sleep: undefined }));
    expect(res).toMatchObject({ httpStatus: 200, attempts: 2, retries: 1 });
    const [first, second] = sim.stats().requests;
    expect([first!.status, second!.status]).toEqual([429, 200]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(await retriesCounted('rate_limited')).toBe(before + 1);
    expect(limiter.calls).toBe(2);
  });

  it('caps the wait a Retry-After header can impose', async () => {
    sim.setFaults([{ kind: 'rate_limit', count: 1, retryAfterSeconds: 3600 }]);
    const res = await fetchJson(url(), options({ maxRetryAfterMs: 150 }));
    expect(res.attempts).toBe(2);
    expect(waits).toEqual([150]);
  });

  it('backs off exponentially on repeated 429s', async () => {
    sim.setFaults([{ kind: 'rate_limit', count: 2, retryAfterSeconds: 0 }]);
    const res = await fetchJson(url(), options({ initialDelayMs: 30, maxDelayMs: 1000 }));
    expect(res.attempts).toBe(3);
    expect(waits).toEqual([30, 60]);
  });

  it('retries 5xx with jittered backoff, then succeeds', async () => {
    sim.setFaults([{ kind: 'server_error', count: 2, status: 500 }]);
    const before = await retriesCounted('http');
    const res = await fetchJson(url(), options({ random: () => 0.5, jitter: 0.5 }));
    expect(res).toMatchObject({ httpStatus: 200, attempts: 3, retries: 2 });
    expect(sim.stats().requests.map((r) => r.status)).toEqual([500, 500, 200]);
    // Half of each backoff is drawn: 20 → 15, 40 → 30 with random() = 0.5.
    expect(waits).toEqual([15, 30]);
    expect(await retriesCounted('http')).toBe(before + 2);
  });

  it('gives up after 3 attempts with the last failure and its counts', async () => {
    sim.setFaults([{ kind: 'server_error' }]);
    const err = await failure(fetchJson(url(), options()));
    expect(err).toMatchObject({ kind: 'http', httpStatus: 503, attempts: 3, retries: 2, retriable: true });
    expect(sim.stats().total).toBe(3);
    expect(limiter.calls).toBe(3);
  });

  it('retries a request that times out', async () => {
    sim.setFaults([{ kind: 'slow', delayMs: 1500, count: 1 }]);
    const before = await retriesCounted('timeout');
    const res = await fetchJson(url(), options({ timeoutMs: 300 }));
    expect(res).toMatchObject({ httpStatus: 200, attempts: 2, retries: 1 });
    expect(await retriesCounted('timeout')).toBe(before + 1);
  });

  it('reports kind timeout when every attempt times out', async () => {
    sim.setFaults([{ kind: 'slow', delayMs: 1500 }]);
    const err = await failure(fetchJson(url(), options({ timeoutMs: 200 })));
    expect(err).toMatchObject({ kind: 'timeout', attempts: 3, retries: 2 });
  });

  it('retries a reset connection, and reports kind network when they all reset', async () => {
    sim.setFaults([{ kind: 'reset', count: 1 }]);
    expect(await fetchJson(url(), options())).toMatchObject({ attempts: 2, retries: 1 });
    sim.setFaults([{ kind: 'reset' }]);
    const err = await failure(fetchJson(url(), options()));
    expect(err).toMatchObject({ kind: 'network', attempts: 3, retries: 2 });
  });

  it('fails a 404 at once', async () => {
    const err = await failure(fetchJson(url('404404'), options()));
    expect(err).toMatchObject({ kind: 'http', httpStatus: 404, attempts: 1, retries: 0, retriable: false });
    expect(sim.stats().total).toBe(1);
  });

  it('reports a 403 and an HTML challenge page as blocked, without retrying', async () => {
    sim.setFaults([{ kind: 'forbidden', count: 1 }]);
    expect(await failure(fetchJson(url(), options()))).toMatchObject({ kind: 'blocked', httpStatus: 403, attempts: 1 });
    sim.setFaults([{ kind: 'html', count: 1 }]);
    expect(await failure(fetchJson(url(), options()))).toMatchObject({ kind: 'blocked', httpStatus: 200, attempts: 1 });
    expect(sim.stats().total).toBe(2);
  });

  it('reports a body that is not JSON as a parse failure, without retrying', async () => {
    sim.setFaults([{ kind: 'malformed', count: 1 }]);
    const err = await failure(fetchJson(url(), options()));
    expect(err).toMatchObject({ kind: 'parse', httpStatus: 200, attempts: 1, retriable: false });
    expect(sim.stats().total).toBe(1);
  });

  it("ends with kind expired when the caller's signal aborts mid-wait", async () => {
    sim.setFaults([{ kind: 'rate_limit', retryAfterSeconds: 30 }]);
    const err = await failure(fetchJson(url(), options({ sleep: undefined, signal: AbortSignal.timeout(300) })));
    expect(err).toMatchObject({ kind: 'expired', attempts: 1, retries: 0, retriable: false });
    expect(sim.stats().total).toBe(1);
  });

  it('waits for the rate limiter before every attempt', async () => {
    const clock = { t: 0 };
    const strict = new SlidingWindowRateLimiter({
      limit: 1,
      windowMs: 60_000,
      now: () => clock.t,
      // The limiter's own sleep: jump the fake clock instead of waiting a minute.
      sleep: async (ms) => void (clock.t += ms),
    });
    sim.setFaults([{ kind: 'server_error', count: 2 }]);
    const res = await fetchJson(url(), options({ rateLimiter: strict }));
    expect(res.attempts).toBe(3);
    // Three requests through a 1-per-minute limiter: two full windows passed on its clock.
    expect(clock.t).toBeGreaterThanOrEqual(2 * 60_000);
  });
});

describe('fetchJson: the wait after a 429 (Retry-After overrides the backoff), with a fake fetch', () => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
  /** A fetch that answers from a script, one Response per call, and records nothing else. */
  function scripted(...answers: Array<() => Response>): typeof fetch {
    return (async () => {
      const next = answers.shift();
      if (!next) throw new Error('fetch called more often than scripted');
      return next();
    }) as typeof fetch;
  }
  const tooMany = (retryAfter?: string) => () =>
    new Response('', { status: 429, headers: retryAfter === undefined ? {} : { 'Retry-After': retryAfter } });
  const ok = () => new Response('{"tickets":[]}', { status: 200, headers: { 'Content-Type': 'application/json' } });

  const run = (f: typeof fetch, over: Partial<FetchJsonOptions> = {}) =>
    fetchJson('http://marketplace.invalid/listings', {
      ...options(),
      fetch: f,
      now: () => NOW,
      // A draw of 0 would halve a jittered wait: the waits below show that 429 waits are not jittered.
      random: () => 0,
      jitter: 0.5,
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      maxRetryAfterMs: 60_000,
      sleep: async (ms) => void waits.push(ms),
      ...over,
    });

  it('waits what Retry-After asks in seconds when that is longer than the backoff', async () => {
    const res = await run(scripted(tooMany('7'), ok));
    expect(res).toMatchObject({ httpStatus: 200, attempts: 2, retries: 1 });
    expect(waits).toEqual([7_000]);
  });

  it('waits until an HTTP-date Retry-After', async () => {
    const at = new Date(NOW + 12_000).toUTCString();
    await run(scripted(tooMany(at), ok));
    expect(waits).toEqual([12_000]);
  });

  it('never waits less than the un-jittered exponential backoff', async () => {
    // Retry-After 0, 1 s and absent, against backoffs of 1 s, 2 s and 4 s.
    const res = await run(scripted(tooMany('0'), tooMany('1'), tooMany(), ok), { attempts: 4 });
    expect(res.attempts).toBe(4);
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it('treats an unreadable Retry-After as absent', async () => {
    await run(scripted(tooMany('soon'), tooMany('-5'), ok));
    expect(waits).toEqual([1_000, 2_000]);
  });

  it('caps the Retry-After at maxRetryAfterMs, but not below the backoff', async () => {
    await run(scripted(tooMany('3600'), ok), { maxRetryAfterMs: 10_000 });
    expect(waits).toEqual([10_000]);
    waits = [];
    await run(scripted(tooMany('3600'), ok), { maxRetryAfterMs: 10_000, initialDelayMs: 25_000 });
    expect(waits).toEqual([25_000]);
  });

  it('ignores Retry-After on a 503: a 5xx gets the jittered backoff', async () => {
    const unavailable = () => new Response('', { status: 503, headers: { 'Retry-After': '7' } });
    await run(scripted(unavailable, ok));
    expect(waits).toEqual([500]); // 1 s backoff, half of it jittered, draw 0
  });

  it('fails with kind rate_limited, its counts and the asked wait once the attempts run out', async () => {
    const err = await failure(run(scripted(tooMany('2'), tooMany('2'), tooMany('2'))));
    expect(err).toMatchObject({ kind: 'rate_limited', httpStatus: 429, attempts: 3, retries: 2, retryAfterMs: 2_000 });
    expect(waits).toEqual([2_000, 2_000]);
  });
});
