// One polite GET of a JSON document: the rate limiter before every attempt, a timeout on every
// request, at most `attempts` tries. Busy, slow or unreachable servers are retried with backoff;
// refusals, challenge pages and unreadable bodies fail at once. Every failure is a SourceError that
// carries the attempt counts, so the job log can show them.
import { errorMessage, isRetriable } from '../../lib/errors.ts';
import { scrapeRetries } from '../../lib/metrics.ts';
import { backoffDelay, retry } from '../../lib/retry.ts';
import type { RateLimiter } from '../rate-limiter.ts';
import { SourceError } from '../sources/source.ts';
import { parseRetryAfter } from './retry-after.ts';

export const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent': 'TWS-Analytics-Bot',
  Accept: 'application/json',
};

export interface FetchJsonOptions {
  rateLimiter: RateLimiter;
  /** Per attempt, body included. */
  timeoutMs: number;
  /** Default: the URL's host, so every adapter of one marketplace shares its budget. */
  rateLimitKey?: string;
  /** Total attempts, the first included; default 3. */
  attempts?: number;
  /** Backoff before retry n: min(maxDelayMs, initialDelayMs · 2^(n-1)); defaults 1 s and 30 s. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Share of the backoff drawn at random for 5xx, timeouts and network errors; default 0.5. */
  jitter?: number;
  /** Upper bound on the wait a Retry-After header can impose; default 60 s. */
  maxRetryAfterMs?: number;
  headers?: Record<string, string>;
  /** The caller's deadline or shutdown: aborting ends the fetch with kind `expired`. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface JsonResponse {
  body: unknown;
  httpStatus: number;
  attempts: number;
  retries: number;
  /** When the body was read (epoch ms). */
  fetchedAt: number;
}

interface Answer {
  body: unknown;
  httpStatus: number;
  fetchedAt: number;
}

export async function fetchJson(url: string, opts: FetchJsonOptions): Promise<JsonResponse> {
  const key = opts.rateLimitKey ?? new URL(url).host;
  const backoff = {
    initialDelayMs: opts.initialDelayMs ?? 1000,
    maxDelayMs: opts.maxDelayMs ?? 30_000,
    jitter: opts.jitter ?? 0.5,
  };
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  let sent = 0;
  try {
    return await retry(
      async (attempt) => {
        await opts.rateLimiter.acquire(key, opts.signal);
        sent = attempt;
        const answer = await requestOnce(url, opts);
        return { ...answer, attempts: attempt, retries: attempt - 1 };
      },
      {
        attempts: opts.attempts ?? 3,
        ...backoff,
        shouldRetry: isRetriable,
        signal: opts.signal,
        random: opts.random,
        sleep: opts.sleep,
        onRetry: (err, attempt, delayMs) => {
          const e = err as SourceError;
          scrapeRetries.inc({ reason: e.kind });
          if (e.kind !== 'rate_limited') return delayMs;
          // The server said how long to stay away: plain exponential backoff, never shorter than that.
          const exponential = backoffDelay(attempt, { ...backoff, jitter: 0 });
          return Math.max(exponential, Math.min(e.retryAfterMs ?? 0, maxRetryAfterMs));
        },
      },
    );
  } catch (err) {
    const retries = Math.max(0, sent - 1);
    if (opts.signal?.aborted) {
      throw new SourceError('expired', `GET ${url}: aborted (${errorMessage(opts.signal.reason)})`, {
        attempts: sent,
        retries,
        cause: opts.signal.reason,
      });
    }
    throw err instanceof SourceError ? err.withCounts(sent, retries) : err;
  }
}

async function requestOnce(url: string, opts: FetchJsonOptions): Promise<Answer> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await (opts.fetch ?? fetch)(url, { headers: { ...DEFAULT_HEADERS, ...opts.headers }, signal });
    return await readAnswer(url, res, opts.now ?? Date.now);
  } catch (err) {
    // The caller's abort passes through untouched; fetchJson reports it as `expired`.
    if (err instanceof SourceError || opts.signal?.aborted) throw err;
    if (timeout.aborted) throw new SourceError('timeout', `GET ${url}: no answer within ${opts.timeoutMs} ms`);
    throw new SourceError('network', `GET ${url}: ${describeNetworkError(err)}`, { cause: err });
  }
}

async function readAnswer(url: string, res: Response, now: () => number): Promise<Answer> {
  const httpStatus = res.status;
  if (!res.ok) {
    // Drop the unread body so undici can release the connection.
    await res.body?.cancel().catch(() => undefined);
    if (httpStatus === 429) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now()) ?? undefined;
      throw new SourceError('rate_limited', `GET ${url}: HTTP 429`, { httpStatus, retryAfterMs });
    }
    if (httpStatus === 403) throw new SourceError('blocked', `GET ${url}: HTTP 403 (refused)`, { httpStatus });
    throw new SourceError('http', `GET ${url}: HTTP ${httpStatus}`, { httpStatus });
  }
  const text = await res.text();
  const fetchedAt = now();
  // Bot protection answers 200 with an HTML challenge page: a refusal, not a broken document.
  if (/text\/html/i.test(res.headers.get('content-type') ?? '') || /^\s*</.test(text)) {
    throw new SourceError('blocked', `GET ${url}: HTML page instead of JSON (bot challenge?)`, { httpStatus });
  }
  try {
    return { body: JSON.parse(text), httpStatus, fetchedAt };
  } catch (err) {
    throw new SourceError('parse', `GET ${url}: body is not valid JSON (${errorMessage(err)})`, {
      httpStatus,
      cause: err,
    });
  }
}

/** undici hides the useful part (ECONNRESET, ECONNREFUSED) in `cause`. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ? `${errorMessage(err)} (${code})` : errorMessage(err);
}
