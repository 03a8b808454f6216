// API keys. `identify` (on every /v1 request) works out who is calling; `requireKey` (on the routes
// that need a key) refuses anonymous callers and bad keys with 401. Keys are compared in constant
// time over SHA-256 digests of equal length, every configured key is tried (no early exit), and a
// key's value never leaves this module: callers are known by the key's index ("key:0").
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../errors.ts';
import type { AppEnv } from '../types.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** RFC 6750 b64token. */
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export interface KeyRing {
  /** The index of the matching key, or -1. Takes the same time whichever key (if any) matches. */
  match(token: string): number;
  readonly size: number;
}

export function createKeyRing(keys: readonly string[]): KeyRing {
  const digests = keys.map(digest);
  return {
    size: digests.length,
    match(token: string): number {
      const d = digest(token);
      let found = -1;
      for (const [i, k] of digests.entries()) {
        if (timingSafeEqual(d, k) && found < 0) found = i;
      }
      return found;
    },
  };
}

export function defaultClientIp(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by @hono/node-server (e.g. app.request() in tests)
  }
}

export function identify(
  keys: readonly string[],
  clientIp: (c: Context) => string | undefined = defaultClientIp,
): MiddlewareHandler<AppEnv> {
  const ring = createKeyRing(keys);
  return async function identify(c, next) {
    const header = c.req.header('Authorization');
    const token = header === undefined ? undefined : BEARER_RE.exec(header)?.[1];
    const index = token === undefined ? -1 : ring.match(token);
    if (index >= 0) {
      c.set('principal', { kind: 'key', id: `key:${index}` });
      c.set('authFailed', false);
    } else {
      c.set('principal', { kind: 'anonymous', id: `ip:${clientIp(c) ?? 'unknown'}` });
      c.set('authFailed', header !== undefined);
    }
    await next();
  };
}

const challenge = (error?: string) => ({
  'WWW-Authenticate': error ? `Bearer realm="tws-analytics", error="${error}"` : 'Bearer realm="tws-analytics"',
});

/**
 * 401 unless the caller presented a valid key. With `required: false` (public reads) only a bad
 * key is refused: a client that sends a wrong key should find out rather than be served anonymously.
 */
export function requireKey(opts: { required: boolean }): MiddlewareHandler<AppEnv> {
  return async function requireKey(c, next) {
    if (c.get('authFailed'))
      throw new HttpError(401, 'UNAUTHORIZED', 'the API key is missing, malformed or unknown', {
        headers: challenge('invalid_token'),
      });
    if (opts.required && c.get('principal').kind !== 'key')
      throw new HttpError(401, 'UNAUTHORIZED', 'this endpoint needs an API key: Authorization: Bearer <key>', {
        headers: challenge(),
      });
    await next();
  };
}
