// One notification to one webhook target, with the retry policy of docs/alerts.md: exponential
// backoff with jitter (lib/retry.ts) on 5xx, 429, timeouts and network errors; no retry on any other
// answer. Every attempt carries the same Idempotency-Key and body, and a fresh timestamp and
// signature. Errors name the HTTP status or the network failure, never the URL (it may hold a token).
import { DeliveryError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import type { OpenTarget } from '../model.ts';
import { HEADERS, sign } from './signature.ts';

export interface DeliveryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

/** How a delivery ended: taken (2xx), or failed for good with the last error. */
export type DeliveryOutcome =
  { ok: true; attempts: number; status: number } | { ok: false; attempts: number; error: DeliveryError };

const USER_AGENT = 'tws-analytics-alerts/1';

/** The network error's code (ECONNREFUSED, ...) from fetch's `cause`, without its message. */
function networkReason(err: unknown): string {
  if ((err as Error)?.name === 'TimeoutError') return 'timeout';
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code ? `network error ${cause.code}` : 'network error';
}

/** One POST. Resolves with the status on 2xx, throws DeliveryError otherwise. */
export async function postOnce(
  target: OpenTarget,
  body: string,
  idempotencyKey: string,
  attempt: number,
  opts: { timeoutMs: number; signal?: AbortSignal; now?: () => number },
): Promise<number> {
  const ts = Math.floor((opts.now ?? Date.now)() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    [HEADERS.idempotencyKey]: idempotencyKey,
    [HEADERS.timestamp]: String(ts),
    [HEADERS.attempt]: String(attempt),
  };
  if (target.secret !== null) headers[HEADERS.signature] = sign(target.secret, ts, body);
  const signal = opts.signal
    ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
    : AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    // No redirects: a 3xx is an answer to report, not a place to send a signed body to.
    res = await fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new DeliveryError(networkReason(err), null, true);
  }
  // The body is not needed; read it so the connection can be reused.
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return res.status;
  const retriable = res.status >= 500 || res.status === 429;
  throw new DeliveryError(`HTTP ${res.status}`, res.status, retriable);
}

/**
 * Delivers with retries. Resolves with the outcome: taken, or failed after a non-retriable answer or
 * the last attempt. Rejects only when `signal` aborts (a stop: the notification stays pending for
 * the next run).
 */
export async function deliver(
  target: OpenTarget,
  body: string,
  idempotencyKey: string,
  policy: DeliveryPolicy,
  opts: { signal?: AbortSignal; random?: () => number } = {},
): Promise<DeliveryOutcome> {
  let attempts = 0;
  try {
    const status = await retry(
      async (attempt) => {
        attempts = attempt;
        return postOnce(target, body, idempotencyKey, attempt, { timeoutMs: policy.timeoutMs, signal: opts.signal });
      },
      {
        attempts: policy.attempts,
        initialDelayMs: policy.initialDelayMs,
        maxDelayMs: policy.maxDelayMs,
        jitter: 1,
        shouldRetry: (err) => err instanceof DeliveryError && err.retriable,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.random ? { random: opts.random } : {}),
      },
    );
    return { ok: true, attempts, status };
  } catch (err) {
    if (err instanceof DeliveryError && !opts.signal?.aborted) return { ok: false, attempts, error: err };
    throw err;
  }
}
