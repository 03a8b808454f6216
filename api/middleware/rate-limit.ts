// Per-caller rate limit: a token bucket per API key (or per client address when anonymous) holding
// `perMinute` tokens and refilling continuously. An empty bucket answers 429 with Retry-After.
import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../errors.ts';
import type { AppEnv } from '../types.ts';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most; beyond it, full (idle) buckets and then the oldest are dropped. */
const MAX_BUCKETS = 10_000;

export function rateLimit(opts: { perMinute: number; now?: () => number }): MiddlewareHandler<AppEnv> {
  const capacity = opts.perMinute;
  const perMs = opts.perMinute / 60_000;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, Bucket>();

  const prune = (t: number) => {
    for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= capacity) buckets.delete(k);
    for (const k of buckets.keys()) {
      if (buckets.size < MAX_BUCKETS) break;
      buckets.delete(k);
    }
  };

  return async function rateLimit(c, next) {
    const key = c.get('principal').id;
    const t = now();
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= MAX_BUCKETS) prune(t);
      b = { tokens: capacity, at: t };
      buckets.set(key, b);
    }
    // A refusal leaves the bucket as it was: refilling it in many small steps would add up float
    // error (ten steps of 0.1 token are 0.9999…), and a caller retrying every second would get its
    // token a little after the time Retry-After gave it.
    const tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs);
    if (tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
      throw new HttpError(429, 'RATE_LIMITED', `rate limit of ${capacity} requests per minute exceeded`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    b.tokens = tokens - 1;
    b.at = t;
    await next();
  };
}
