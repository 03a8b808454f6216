// The simulated marketplace over real HTTP: the same hermes endpoint as Vivid Seats, plus admin
// routes under /__sim/ to list productions, read the request log and inject faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../../lib/errors.ts';
import { HERMES_LISTINGS_PATH } from '../hermes.ts';
import { FaultInjector, faultPlanSchema, type FaultRule } from './faults.ts';
import { createMarket, type SimProduction } from './market.ts';
import { RequestLog, type SimStats } from './request-log.ts';

export interface SimulatedMarketplaceOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  seed?: number;
  events?: number;
  /** The market's clock (epoch ms), for catalog dates and listing state; the request log uses the wall clock. */
  now?: () => number;
  /** Request log entries kept; default 100 000. */
  logLimit?: number;
}

export interface SimulatedMarketplace {
  /** Base URL, e.g. http://127.0.0.1:41234, to which the adapter appends HERMES_LISTINGS_PATH. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  stats(): SimStats;
  resetStats(): void;
  setFaults(plan: readonly FaultRule[]): void;
  clearFaults(): void;
  productions(): SimProduction[];
}

const CHALLENGE_PAGE =
  '<!DOCTYPE html><html><head><title>Just a moment...</title></head>' +
  '<body><h1>Checking your browser before accessing the site.</h1><noscript>Enable JavaScript.</noscript></body></html>';

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>) =>
  send(res, status, JSON.stringify(value), headers);

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('body too large');
  }
  return body;
}

export async function startSimulatedMarketplace(opts: SimulatedMarketplaceOptions = {}): Promise<SimulatedMarketplace> {
  const seed = opts.seed ?? 42;
  const now = opts.now ?? Date.now;
  const market = createMarket({ seed, events: opts.events ?? 4, now: now() });
  const faults = new FaultInjector(seed);
  const log = new RequestLog(opts.logLimit);
  // Pending slow answers, cancelled on close so it never waits for them.
  const timers = new Set<NodeJS.Timeout>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function listings(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const productionId = url.searchParams.get('productionId');
    const entry = log.arrive(productionId, req.headers);
    const answer = (status: number, body: string, headers?: Record<string, string>) => {
      entry.status = status;
      send(res, status, body, headers);
    };
    const fault = faults.take(productionId);
    entry.fault = fault?.kind ?? null;
    switch (fault?.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'rate_limit':
        return answer(429, JSON.stringify({ error: 'Too Many Requests' }), {
          'retry-after': String(fault.retryAfterSeconds ?? 1),
        });
      case 'server_error':
        return answer(fault.status ?? 503, JSON.stringify({ error: 'Service Unavailable' }));
      case 'forbidden':
        return answer(403, CHALLENGE_PAGE, { 'content-type': 'text/html; charset=utf-8' });
      case 'html':
        return answer(200, CHALLENGE_PAGE, { 'content-type': 'text/html; charset=utf-8' });
      case 'malformed':
        return answer(200, '{"global":[{"listingCount":"12"}],"groups":[{"i":"1","n":"Flo');
      case 'not_found':
        return answer(404, JSON.stringify({ error: 'production not found' }));
      case 'slow':
        await delay(fault.delayMs ?? 1000);
        break;
    }
    if (!productionId) return answer(400, JSON.stringify({ error: 'productionId is required' }));
    const body = market.listingsAt(productionId, now());
    if (!body) return answer(404, JSON.stringify({ error: 'production not found' }));
    answer(200, JSON.stringify(body));
  }

  async function admin(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    switch (route) {
      case 'GET /__sim/productions':
        return sendJson(res, 200, market.productions);
      case 'GET /__sim/stats':
        return sendJson(res, 200, log.stats());
      case 'DELETE /__sim/stats':
        log.reset();
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/faults': {
        let parsed;
        try {
          parsed = faultPlanSchema.safeParse(JSON.parse(await readBody(req)));
        } catch (err) {
          return sendJson(res, 400, { error: `body is not JSON: ${errorMessage(err)}` });
        }
        if (!parsed.success) return sendJson(res, 400, { error: 'invalid fault plan', issues: parsed.error.issues });
        faults.set(parsed.data);
        return sendJson(res, 200, { ok: true, faults: parsed.data.length });
      }
      case 'DELETE /__sim/faults':
        faults.clear();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: 'not found' });
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const handled =
      req.method === 'GET' && url.pathname === HERMES_LISTINGS_PATH
        ? listings(req, res, url)
        : admin(req, res, `${req.method} ${url.pathname}`);
    handled.catch((err: unknown) => sendJson(res, 500, { error: errorMessage(err) }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    stats: () => log.stats(),
    resetStats: () => log.reset(),
    setFaults: (plan) => faults.set(faultPlanSchema.parse(plan)),
    clearFaults: () => faults.clear(),
    productions: () => structuredClone(market.productions) as SimProduction[],
  };
}
