// A real webhook receiver for the alert tests (node:http on a random local port): it records every
// request (path, headers, raw body, time) and answers what the test's `answer` says for it.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
  /** Requests to this path with this Idempotency-Key before this one. */
  previous: number;
}

/** The answer for a request: a status, optionally after a delay (ms). `hang` never answers. */
export type Answer = number | { status: number; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests to `path`, in arrival order. */
  at(path: string): Received[];
  /** The most requests to `path` that were open at the same time. */
  maxConcurrent(path: string): number;
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (path: string, previous: number) => Answer = () => 200,
  port = 0,
): Promise<Receiver> {
  const received: Received[] = [];
  const open = new Map<string, number>();
  const peak = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const key = String(req.headers['idempotency-key'] ?? '');
      const previous = received.filter((r) => r.path === path && r.headers['idempotency-key'] === key).length;
      const a = answer(path, previous);
      const status = a === 'hang' ? 0 : typeof a === 'number' ? a : a.status;
      received.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        status,
        previous,
      });
      open.set(path, (open.get(path) ?? 0) + 1);
      peak.set(path, Math.max(peak.get(path) ?? 0, open.get(path)!));
      const done = () => open.set(path, open.get(path)! - 1);
      if (a === 'hang') {
        hanging.add(res);
        res.on('close', done);
        return;
      }
      const send = () => {
        done();
        res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      };
      if (typeof a === 'object' && a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    maxConcurrent: (path) => peak.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The receiver's side of the signature check, written from docs/alerts.md, not from our code. */
export function validSignature(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-tws-timestamp'] ?? '');
  const got = String(r.headers['x-tws-signature'] ?? '');
  const want = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
  return got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
}
