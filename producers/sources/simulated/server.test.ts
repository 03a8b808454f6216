import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HERMES_LISTINGS_PATH } from '../vividseats/hermes.ts';
import type { HermesBody, SimProduction } from './market.ts';
import type { SimStats } from './request-log.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from './server.ts';

// A frozen market clock: every request sees the same minute.
const NOW = Date.parse('2025-11-26T12:00:30Z');
let sim: SimulatedMarketplace;

const listings = (id: string) => fetch(`${sim.url}${HERMES_LISTINGS_PATH}?productionId=${id}`);

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 42, events: 3, now: () => NOW });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

describe('simulated marketplace server', () => {
  it('serves the hermes body of a production, the same within one minute', async () => {
    const a = await listings('5000001');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await a.json()) as HermesBody;
    expect(body.groups.length).toBeGreaterThanOrEqual(3);
    expect(body.tickets.length).toBeGreaterThan(0);
    expect(await (await listings('5000001')).json()).toEqual(body);
  });

  it('answers 404 JSON for an unknown production and 400 without one', async () => {
    const res = await listings('999');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'production not found' });
    expect((await fetch(`${sim.url}${HERMES_LISTINGS_PATH}`)).status).toBe(400);
  });

  it('lists its productions over HTTP and in process', async () => {
    const res = await fetch(`${sim.url}/__sim/productions`);
    const productions = (await res.json()) as SimProduction[];
    expect(productions.map((p) => p.productionId)).toEqual(['5000001', '5000002', '5000003']);
    expect(sim.productions()).toEqual(productions);
  });

  it('logs each listings request with time, production, status and headers', async () => {
    const before = Date.now();
    await listings('5000002');
    await listings('nope');
    await fetch(`${sim.url}/__sim/productions`);
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as SimStats;
    expect(stats.total).toBe(2);
    expect(stats.byStatus).toEqual({ 200: 1, 404: 1 });
    expect(stats.requests.map((r) => [r.productionId, r.status])).toEqual([
      ['5000002', 200],
      ['nope', 404],
    ]);
    expect(stats.requests[0]!.at).toBeGreaterThanOrEqual(before);
    expect(stats.requests[0]!.userAgent).toMatch(/node|undici/i);
    expect(sim.stats()).toEqual(stats);
    await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });
    expect(sim.stats().total).toBe(0);
  });

  it('injects each fault kind, limited to productions and to a count', async () => {
    sim.setFaults([
      { kind: 'rate_limit', productionIds: ['5000001'], count: 1, retryAfterSeconds: 7 },
      { kind: 'server_error', productionIds: ['5000001'], count: 1, status: 500 },
      { kind: 'forbidden', productionIds: ['5000001'], count: 1 },
      { kind: 'html', productionIds: ['5000001'], count: 1 },
      { kind: 'malformed', productionIds: ['5000001'], count: 1 },
      { kind: 'not_found', productionIds: ['5000001'], count: 1 },
      { kind: 'server_error', productionIds: ['5000002'], count: 1 },
    ]);
    const r429 = await listings('5000001');
    expect([r429.status, r429.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await listings('5000001')).status).toBe(500);
    const r403 = await listings('5000001');
    expect([r403.status, r403.headers.get('content-type')]).toEqual([403, 'text/html; charset=utf-8']);
    const html = await listings('5000001');
    expect(html.status).toBe(200);
    expect(await html.text()).toMatch(/^<!DOCTYPE html>/);
    const bad = await listings('5000001');
    expect(bad.headers.get('content-type')).toMatch(/application\/json/);
    await expect(bad.json()).rejects.toThrow();
    expect((await listings('5000001')).status).toBe(404);
    expect((await listings('5000002')).status).toBe(503);
    // Every counted rule is spent now.
    expect((await listings('5000001')).status).toBe(200);
    expect((await listings('5000002')).status).toBe(200);
    expect(sim.stats().requests.map((r) => r.fault)).toEqual([
      'rate_limit',
      'server_error',
      'forbidden',
      'html',
      'malformed',
      'not_found',
      'server_error',
      null,
      null,
    ]);
  });

  it('resets the connection without an answer', async () => {
    sim.setFaults([{ kind: 'reset', count: 1 }]);
    await expect(listings('5000001')).rejects.toThrow();
    expect(sim.stats().requests[0]).toMatchObject({ status: 0, fault: 'reset' });
    expect((await listings('5000001')).status).toBe(200);
  });

  it('delays a slow answer, then answers normally', async () => {
    sim.setFaults([{ kind: 'slow', delayMs: 300, count: 1 }]);
    const res = await listings('5000003');
    expect(res.status).toBe(200);
    expect(sim.stats().requests[0]).toMatchObject({ status: 200, fault: 'slow' });
  });

  it('applies a probability with seeded draws: some requests hit, some not, the same on every run', async () => {
    const run = async () => {
      const s = await startSimulatedMarketplace({ seed: 5, events: 1, now: () => NOW });
      s.setFaults([{ kind: 'server_error', probability: 0.5 }]);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        statuses.push((await fetch(`${s.url}${HERMES_LISTINGS_PATH}?productionId=5000001`)).status);
      }
      await s.close();
      return statuses;
    };
    const first = await run();
    expect(first).toContain(200);
    expect(first).toContain(503);
    expect(await run()).toEqual(first);
  });

  it('takes and clears fault plans over HTTP, refusing invalid ones', async () => {
    const post = (body: string) => fetch(`${sim.url}/__sim/faults`, { method: 'POST', body });
    expect((await post('{"kind":"nope"}')).status).toBe(400);
    expect((await post('[{"kind":"rate_limit","count":0}]')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await post('[{"kind":"forbidden"}]')).status).toBe(200);
    expect((await listings('5000001')).status).toBe(403);
    expect((await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await listings('5000001')).status).toBe(200);
    expect(() => sim.setFaults([{ kind: 'slow', delayMs: -1 }])).toThrow();
  });
});
