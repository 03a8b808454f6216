// The rate limiter's decisions, with a fake clock and a fake request context (no server, no app):
// the burst a full bucket allows, the continuous refill, Retry-After, one bucket per caller, and
// which buckets go first when there are too many. The last test runs it inside a Hono app with the
// API's error handler, for the 429 a client sees.
import { Hono, type Context, type Next } from 'hono';
import { describe, expect, it } from 'vitest';
import { HttpError, createErrorHandler } from '../errors.ts';
import type { AppEnv } from '../types.ts';
import { rateLimit } from './rate-limit.ts';

/** A clock the test moves by hand. */
function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t, advance: (ms: number) => void (c.t += ms) };
  return c;
}

/** Calls the middleware as `caller`: 'passed' when it let the request through, else its HttpError. */
function limiter(perMinute: number, now: () => number) {
  const mw = rateLimit({ perMinute, now });
  return async (caller: string): Promise<'passed' | HttpError> => {
    const c = { get: (k: string) => (k === 'principal' ? { kind: 'key', id: caller } : undefined) };
    let passed = false;
    try {
      await mw(c as unknown as Context<AppEnv>, (async () => void (passed = true)) as Next);
    } catch (err) {
      if (err instanceof HttpError) return err;
      throw err;
    }
    expect(passed, 'the middleware neither threw nor called next()').toBe(true);
    return 'passed';
  };
}

async function burst(call: (caller: string) => Promise<'passed' | HttpError>, caller: string, n: number) {
  const out: Array<'passed' | number> = [];
  for (let i = 0; i < n; i++) {
    const r = await call(caller);
    out.push(r === 'passed' ? r : r.status);
  }
  return out;
}

const passes = (n: number) => Array<'passed'>(n).fill('passed');

describe('rateLimit', () => {
  it('lets a full bucket of perMinute requests through at once, then answers 429', async () => {
    const t = clock();
    const call = limiter(5, t.now);
    expect(await burst(call, 'key:0', 7)).toEqual([...passes(5), 429, 429]);
  });

  it('refills continuously: one request per 60 s / perMinute, not a whole bucket per minute', async () => {
    const t = clock();
    const call = limiter(60, t.now); // one token a second
    await burst(call, 'key:0', 60);
    t.advance(999);
    expect(await call('key:0')).toBeInstanceOf(HttpError);
    t.advance(1);
    expect(await call('key:0')).toBe('passed');
    expect(await call('key:0')).toBeInstanceOf(HttpError);
    t.advance(2_500);
    expect(await burst(call, 'key:0', 3)).toEqual(['passed', 'passed', 429]);
  });

  it('refused requests cost nothing: the next token comes on time however often the caller knocks', async () => {
    const t = clock();
    const call = limiter(6, t.now); // one token every 10 s
    await burst(call, 'key:0', 6);
    for (let i = 0; i < 9; i++) {
      t.advance(1_000);
      expect(await call('key:0')).toBeInstanceOf(HttpError);
    }
    t.advance(1_000);
    expect(await call('key:0')).toBe('passed');
  });

  it('never holds more than perMinute tokens, however long the caller was idle', async () => {
    const t = clock();
    const call = limiter(3, t.now);
    await call('key:0');
    t.advance(24 * 3_600_000);
    expect(await burst(call, 'key:0', 4)).toEqual([...passes(3), 429]);
  });

  it('says in Retry-After how many whole seconds until the next token, at least 1', async () => {
    const t = clock();
    const call = limiter(6, t.now); // one token every 10 s
    await burst(call, 'key:0', 6);
    const first = (await call('key:0')) as HttpError;
    expect(first).toMatchObject({ status: 429, code: 'RATE_LIMITED', headers: { 'Retry-After': '10' } });
    t.advance(4_500);
    expect(((await call('key:0')) as HttpError).headers['Retry-After']).toBe('6'); // 5.5 s, rounded up
    t.advance(5_400);
    expect(((await call('key:0')) as HttpError).headers['Retry-After']).toBe('1'); // 0.1 s, but at least 1
    const fast = limiter(6_000, t.now); // a token every 10 ms
    await burst(fast, 'key:1', 6_000);
    expect(((await fast('key:1')) as HttpError).headers['Retry-After']).toBe('1');
  });

  it('keeps one bucket per caller: one caller running dry leaves the others untouched', async () => {
    const t = clock();
    const call = limiter(2, t.now);
    expect(await burst(call, 'key:0', 3)).toEqual(['passed', 'passed', 429]);
    expect(await burst(call, 'key:1', 3)).toEqual(['passed', 'passed', 429]);
    expect(await burst(call, 'ip:10.0.0.1', 3)).toEqual(['passed', 'passed', 429]);
  });

  it('past 10,000 buckets, drops full (idle) ones first, so a caller it is limiting stays limited', async () => {
    const t = clock();
    const call = limiter(60, t.now); // one token a second
    expect(await burst(call, 'busy', 61)).toEqual([...passes(60), 429]);
    for (let i = 0; i < 9_999; i++) await call(`ip:${i}`); // 10,000 buckets now
    t.advance(1_500); // the 9,999 one-request callers are full again; 'busy' has 1.5 tokens
    expect(await call('newcomer')).toBe('passed'); // makes room by dropping the full buckets
    expect(await burst(call, 'busy', 2)).toEqual(['passed', 429]);
  });

  it('past 10,000 buckets with none full, drops the oldest', async () => {
    const t = clock();
    const call = limiter(60, t.now);
    expect(await burst(call, 'oldest', 61)).toEqual([...passes(60), 429]);
    for (let i = 0; i < 9_999; i++) await call(`ip:${i}`);
    expect(await call('newcomer')).toBe('passed'); // no bucket is full: 'oldest' goes
    expect(await call('oldest')).toBe('passed'); // a new, full bucket
    expect(await call('ip:9998')).toBe('passed'); // the newest ones were kept, and are not full
  });

  it('in an app, a refused request is a 429 with the error body and Retry-After, and never reaches the route', async () => {
    const t = clock();
    let reached = 0;
    const app = new Hono<AppEnv>();
    app.use('*', async (c, next) => {
      c.set('principal', { kind: 'anonymous', id: `ip:${c.req.header('X-Test-Ip') ?? 'unknown'}` });
      await next();
    });
    app.use('*', rateLimit({ perMinute: 1, now: t.now }));
    app.get('/x', (c) => {
      reached++;
      return c.json({ ok: true });
    });
    app.onError(createErrorHandler());
    expect((await app.request('/x')).status).toBe(200);
    const limited = await app.request('/x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect(await limited.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: 'rate limit of 1 requests per minute exceeded' },
    });
    expect(reached).toBe(1);
  });
});
