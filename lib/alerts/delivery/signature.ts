// Webhook signatures (docs/alerts.md#webhook-contract): HMAC-SHA256 over "<timestamp>.<raw body>"
// with the target's secret, hex, in `X-TWS-Signature: sha256=<hex>`; the timestamp (Unix seconds of
// the attempt) in `X-TWS-Timestamp`, so a receiver can refuse replays of old requests.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HEADERS = {
  signature: 'X-TWS-Signature',
  timestamp: 'X-TWS-Timestamp',
  idempotencyKey: 'Idempotency-Key',
  attempt: 'X-TWS-Delivery-Attempt',
} as const;

export function sign(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** The receiver's check: the signature matches and the timestamp is within `toleranceSeconds` of now. */
export function verify(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const want = Buffer.from(sign(secret, ts, body));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
