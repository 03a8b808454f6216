// The simulated marketplace over real HTTP: the same hermes endpoint as Vivid Seats and the same
// listings endpoint as Gametime's mobile API (./gametime.ts), plus admin routes under /__sim/ to list
// productions, read the request log and inject faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../../lib/errors.ts';
import { GAMETIME_LISTINGS_PATH } from '../gametime/parser.ts';
import { HERMES_LISTINGS_PATH } from '../vividseats/hermes.ts';
import { FaultInjector, faultPlanSchema, type FaultRule, type SimApi } from './faults.ts';
import { gametimeEventId, gametimeView } from './gametime.ts';
import { createMarket, type SimProduction } from './market.ts';
import { partialBody } from './partial.ts';
import { RequestLog, type SimStats } from './request-log.ts';
import { salesLog, salesLogAnswer, type SimTruthEvent } from './sales-log.ts';

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
  /** A production's event id on the simulated Gametime API. */
  gametimeEventId(productionId: string): string;
  /** What truly sold, and what was withdrawn or relisted, in (from, to] (also GET /__sim/sales). */
  salesLog(from: number, to: number, productionIds?: string[]): SimTruthEvent[];
}

/** One marketplace API the simulator speaks: its event id parameter and its body. */
interface SimApiSpec {
  api: SimApi;
  param: string;
  /** The production an event id names (fault rules and the request log use production ids). */
  productionOf(eventId: string | null): string | null;
  body(eventId: string, atMs: number): unknown;
  /** A body cut short, as a dropped connection leaves it. */
  truncated: string;
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

  const gametime = gametimeView(seed, market);
  const apis: Record<string, SimApiSpec> = {
    [HERMES_LISTINGS_PATH]: {
      api: 'hermes',
      param: 'productionId',
      productionOf: (id) => id,
      body: (id, at) => market.listingsAt(id, at),
      truncated: '{"global":[{"listingCount":"12"}],"groups":[{"i":"1","n":"Flo',
    },
    [GAMETIME_LISTINGS_PATH]: {
      api: 'gametime',
      param: 'event_id',
      productionOf: (id) => gametime.productionOf(id)?.productionId ?? id,
      body: (id, at) => gametime.listingsAt(id, at),
      truncated: '{"listings":[{"id":"gt-1","section":"112","section_group":"Lower Le',
    },
  };

  async function listings(req: IncomingMessage, res: ServerResponse, url: URL, spec: SimApiSpec): Promise<void> {
    const eventId = url.searchParams.get(spec.param);
    const productionId = spec.productionOf(eventId);
    const entry = log.arrive(productionId, req.headers, spec.api);
    const answer = (status: number, body: string, headers?: Record<string, string>) => {
      entry.status = status;
      send(res, status, body, headers);
    };
    const fault = faults.take(productionId, spec.api);
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
        return answer(200, spec.truncated);
      case 'not_found':
        return answer(404, JSON.stringify({ error: 'production not found' }));
      case 'slow':
        await delay(fault.delayMs ?? 1000);
        break;
    }
    if (!eventId) return answer(400, JSON.stringify({ error: `${spec.param} is required` }));
    const body = spec.body(eventId, now());
    if (!body) return answer(404, JSON.stringify({ error: 'production not found' }));
    answer(200, JSON.stringify(fault?.kind === 'partial' ? partialBody(body as never) : body));
  }

  async function admin(req: IncomingMessage, res: ServerResponse, route: string, url: URL): Promise<void> {
    switch (route) {
      case 'GET /__sim/sales': {
        const { status, body } = salesLogAnswer(seed, market.productions, url.searchParams, now());
        return sendJson(res, status, body);
      }
      case 'GET /__sim/productions':
        return sendJson(res, 200, market.productions);
      case 'GET /__sim/gametime-events':
        return sendJson(
          res,
          200,
          Object.fromEntries(market.productions.map((p) => [p.productionId, gametimeEventId(seed, p.productionId)])),
        );
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
    const api = req.method === 'GET' ? apis[url.pathname] : undefined;
    const handled = api ? listings(req, res, url, api) : admin(req, res, `${req.method} ${url.pathname}`, url);
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
    gametimeEventId: (productionId) => gametimeEventId(seed, productionId),
    salesLog: (from, to, ids) =>
      salesLog(
        seed,
        ids ? market.productions.filter((p) => ids.includes(p.productionId)) : market.productions,
        from,
        to,
      ),
  };
}
