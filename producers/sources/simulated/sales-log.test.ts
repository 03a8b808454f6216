// The simulator's ground truth against what it serves: watching the hermes bodies minute by minute,
// every disappearance, reappearance and drop in seats must be explained by the sales log, and the
// log must hold the behaviours that fool a naive diff (pauses back within hours, hiatuses back after
// days, withdrawals for good, listings pulled before the show, price cuts before a sell-out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarket, type HermesBody } from './market.ts';
import { salesLog, type SimTruthEvent } from './sales-log.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from './server.ts';

const NOW = Date.parse('2025-11-26T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SEED = 42;
const market = createMarket({ seed: SEED, events: 3, now: NOW });

const byId = (b: HermesBody | undefined) => new Map((b?.tickets ?? []).map((t) => [t.i, t]));

describe('simulated sales log', () => {
  it('explains every change of the served listings, minute by minute', () => {
    const p = market.productions[0]!;
    const from = p.startsAt - 2 * DAY;
    const to = p.startsAt + 5 * MIN;
    const log = salesLog(SEED, [p], from, to);
    const at = new Map<string, SimTruthEvent[]>();
    for (const e of log) at.set(`${e.at}|${e.listing_id}`, [...(at.get(`${e.at}|${e.listing_id}`) ?? []), e]);
    const events = (t: number, id: string) => at.get(`${t}|${id}`) ?? [];
    let prev = byId(market.listingsAt(p.productionId, from));
    let checked = 0;
    for (let t = from + MIN; t <= to; t += MIN) {
      const cur = byId(market.listingsAt(p.productionId, t));
      for (const [id, was] of prev) {
        const now = cur.get(id);
        const here = events(t, id);
        const sold = here.filter((e) => e.kind === 'sale').reduce((n, e) => n + e.tickets, 0);
        if (!now) {
          // Gone: sold out, or taken off sale with seats left.
          expect(
            here.some((e) => e.reason === 'sold_out' || e.kind === 'withdrawn'),
            `${id} gone at ${t}`,
          ).toBe(true);
          if (here.some((e) => e.kind === 'withdrawn'))
            expect(here.find((e) => e.kind === 'withdrawn')!.tickets).toBe(Number(was.q) - sold);
        } else expect(Number(was.q) - Number(now.q), `${id} seats at ${t}`).toBe(sold);
        checked++;
      }
      for (const [id, now] of cur) {
        if (prev.has(id)) continue;
        const back = events(t, id).find((e) => e.kind === 'relisted');
        // New on sale (no event), or back from a pause or hiatus with the seats it has now.
        if (back) expect(back.tickets).toBe(Number(now.q));
      }
      prev = cur;
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('holds the behaviours that fool a naive diff, over a whole sale', () => {
    const log = market.productions.flatMap((p) => salesLog(SEED, [p], p.startsAt - 30 * DAY, p.startsAt + MIN));
    const reasons = new Set(log.map((e) => `${e.kind}:${e.reason}`));
    for (const r of [
      'sale:sold',
      'sale:sold_out',
      'withdrawn:paused',
      'withdrawn:hiatus',
      'withdrawn:withdrawn',
      'withdrawn:pulled',
    ])
      expect(reasons, r).toContain(r);
    // Relists under the same id, within a 48-hour window and after it.
    const gaps = log
      .filter((e) => e.kind === 'relisted')
      .map((e) => {
        const off = log.filter((w) => w.kind === 'withdrawn' && w.listing_id === e.listing_id && w.at < e.at).at(-1);
        return off === undefined ? 0 : e.at - off.at;
      });
    expect(gaps.some((g) => g <= 48 * HOUR)).toBe(true);
    expect(gaps.some((g) => g > 48 * HOUR)).toBe(true);
    // Price cuts shortly before a sell-out: the last seats go for at least 10 % less than 24 h before.
    const p = market.productions[1]!;
    const cuts = salesLog(SEED, [p], p.startsAt - 20 * DAY, p.startsAt).filter((e) => {
      if (e.reason !== 'sold_out') return false;
      const dayBefore = byId(market.listingsAt(p.productionId, e.at - DAY)).get(e.listing_id);
      return dayBefore !== undefined && e.price_cents < 0.9 * Math.round(Number(dayBefore.aip) * 100);
    });
    expect(cuts.length).toBeGreaterThan(0);
  });
});

describe('simulated marketplace: truth and partial answers over HTTP', () => {
  let sim: SimulatedMarketplace;
  const clock = { t: NOW };
  beforeAll(async () => {
    sim = await startSimulatedMarketplace({ seed: SEED, events: 2, now: () => clock.t });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('serves the sales log at /__sim/sales, and refuses a bad range with 400', async () => {
    const p = sim.productions()[0]!;
    const q = `productionId=${p.productionId}&from=${p.startsAt - DAY}&to=${new Date(p.startsAt).toISOString()}`;
    const res = await fetch(`${sim.url}/__sim/sales?${q}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: SimTruthEvent[] };
    expect(body.events).toEqual(sim.salesLog(p.startsAt - DAY, p.startsAt, [p.productionId]));
    expect(body.events.length).toBeGreaterThan(0);
    for (const bad of ['from=yesterday', `from=${NOW}&to=${NOW - 1}`, `from=0&to=${30 * DAY}`])
      expect((await fetch(`${sim.url}/__sim/sales?${bad}`)).status, bad).toBe(400);
    expect((await fetch(`${sim.url}/__sim/sales?productionId=nope`)).status).toBe(404);
  });

  it('answers a partial fault with some listings left out and the full count announced', async () => {
    const p = sim.productions()[0]!;
    clock.t = p.startsAt - 3 * DAY;
    const url = `${sim.url}/hermes/api/v1/listings?productionId=${p.productionId}`;
    const full = (await (await fetch(url)).json()) as HermesBody;
    sim.setFaults([{ kind: 'partial', count: 1 }]);
    const part = (await (await fetch(url)).json()) as HermesBody;
    expect(part.tickets.length).toBeLessThan(full.tickets.length);
    expect(part.global[0]!.listingCount).toBe(String(full.tickets.length));
  });
});
