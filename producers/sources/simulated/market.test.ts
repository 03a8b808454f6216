import { describe, expect, it } from 'vitest';
import { parseHermes } from '../vividseats/hermes.ts';
import { createMarket, type HermesBody } from './market.ts';

const NOW = Date.parse('2025-11-26T12:00:00Z');
const DAY = 86_400_000;

const tickets = (b: HermesBody | undefined) => b?.tickets ?? [];
const seats = (b: HermesBody | undefined) => tickets(b).reduce((n, t) => n + Number(t.q), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('simulated market', () => {
  it('builds a catalog of plausible productions from the seed', () => {
    const { productions } = createMarket({ seed: 42, events: 6, now: NOW });
    expect(productions.map((p) => p.productionId)).toEqual([
      '5000001',
      '5000002',
      '5000003',
      '5000004',
      '5000005',
      '5000006',
    ]);
    for (const p of productions) {
      expect(p.startsAt).toBeGreaterThan(NOW + DAY);
      expect(p.startsAt).toBeLessThan(NOW + 42 * DAY);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: p.timezone })).not.toThrow();
      expect(p.zones.length).toBeGreaterThanOrEqual(3);
      expect(p.zones.length).toBeLessThanOrEqual(6);
      expect(new Set(p.zones.map((z) => z.id)).size).toBe(p.zones.length);
      for (const z of p.zones) expect(z.sections.length).toBeGreaterThan(0);
    }
  });

  it('gives the same body for the same seed and minute, and another seed another market', () => {
    const a = createMarket({ seed: 7, events: 3, now: NOW });
    const b = createMarket({ seed: 7, events: 3, now: NOW });
    const at = NOW + 3 * 3_600_000 + 5_000;
    expect(b.productions).toEqual(a.productions);
    expect(JSON.stringify(b.listingsAt('5000002', at))).toBe(JSON.stringify(a.listingsAt('5000002', at)));
    // Same minute, later second: identical.
    expect(a.listingsAt('5000002', at + 50_000)).toEqual(a.listingsAt('5000002', at));
    const other = createMarket({ seed: 8, events: 3, now: NOW });
    expect(JSON.stringify(other.listingsAt('5000002', at))).not.toBe(JSON.stringify(a.listingsAt('5000002', at)));
  });

  it('answers undefined for an unknown production', () => {
    expect(createMarket({ seed: 1, events: 2, now: NOW }).listingsAt('123', NOW)).toBeUndefined();
  });

  it('changes prices and inventory over time', () => {
    const m = createMarket({ seed: 42, events: 4, now: NOW });
    for (const p of m.productions) {
      const early = m.listingsAt(p.productionId, NOW);
      const later = m.listingsAt(p.productionId, NOW + 2 * 3_600_000);
      const price = (b: HermesBody | undefined) => new Map(tickets(b).map((t) => [t.i, t.p]));
      const before = price(early);
      const changed = [...price(later)].filter(([id, pr]) => before.has(id) && before.get(id) !== pr);
      expect(changed.length).toBeGreaterThan(0);
      expect(JSON.stringify(m.listingsAt(p.productionId, p.startsAt - 2 * DAY))).not.toBe(JSON.stringify(early));
    }
  });

  it('puts listings on sale and takes them off as time passes', () => {
    const m = createMarket({ seed: 42, events: 4, now: NOW });
    const ids = (at: number) =>
      new Set(m.productions.flatMap((p) => tickets(m.listingsAt(p.productionId, at)).map((t) => t.i)));
    const today = ids(NOW);
    const inAWeek = ids(NOW + 7 * DAY);
    expect([...inAWeek].some((id) => !today.has(id))).toBe(true);
    expect([...today].some((id) => !inAWeek.has(id))).toBe(true);
  });

  it('sells inventory down and pushes prices up as the event nears', () => {
    for (const seed of [1, 42, 1234]) {
      const m = createMarket({ seed, events: 4, now: NOW });
      for (const p of m.productions) {
        const at = [40, 20, 7, 1].map((d) => m.listingsAt(p.productionId, p.startsAt - d * DAY));
        const inventory = at.map(seats);
        expect(inventory[0]).toBeGreaterThan(inventory[3]!);
        expect(inventory[1]).toBeGreaterThan(inventory[3]!);
        const medians = at.map((b) => median(tickets(b).map((t) => Number(t.aip))));
        expect(medians[3]).toBeGreaterThan(medians[0]!);
      }
    }
  });

  it('has no tickets once the event has started, but still lists its zones', () => {
    const m = createMarket({ seed: 42, events: 1, now: NOW });
    const p = m.productions[0]!;
    const body = m.listingsAt(p.productionId, p.startsAt + 60_000)!;
    expect(body.tickets).toEqual([]);
    expect(body.groups).toHaveLength(p.zones.length);
    expect(body.global[0]).toMatchObject({ listingCount: '0', lowestAip: null });
  });

  it('speaks the hermes shape: strings, splits sometimes missing, global summary, readable by the parser', () => {
    const m = createMarket({ seed: 42, events: 4, now: NOW });
    const all = m.productions.flatMap((p) => tickets(m.listingsAt(p.productionId, NOW)));
    for (const t of all) {
      for (const k of ['i', 'c', 's', 'r', 'q', 'p', 'aip'] as const) expect(typeof t[k]).toBe('string');
    }
    expect(all.some((t) => t.m === undefined)).toBe(true);
    expect(all.some((t) => t.m === '2,4' || t.m?.includes(','))).toBe(true);
    expect(all.some((t) => t.m !== undefined && !t.m.includes(','))).toBe(true);
    const body = m.listingsAt('5000001', NOW)!;
    expect(body.global[0]!.listingCount).toBe(String(body.tickets.length));
    expect(Number(body.global[0]!.lowestAip)).toBe(Math.min(...body.tickets.map((t) => Number(t.aip))));
    const parsed = parseHermes(body);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.zones.reduce((n, z) => n + z.sections.reduce((k, s) => k + s.listings.length, 0), 0)).toBe(
      body.tickets.length,
    );
  });

  it('now and then lists a fat-fingered price far below its zone', () => {
    const m = createMarket({ seed: 42, events: 4, now: NOW });
    const outliers = m.productions.flatMap((p) => {
      const body = m.listingsAt(p.productionId, NOW)!;
      return body.groups.flatMap((g) => {
        const prices = body.tickets.filter((t) => t.c === g.i).map((t) => Number(t.aip));
        const mid = prices.length ? median(prices) : 0;
        return prices.filter((x) => x < 0.25 * mid);
      });
    });
    expect(outliers.length).toBeGreaterThan(0);
    // Rare: a small share of all listings.
    const total = m.productions.reduce((n, p) => n + tickets(m.listingsAt(p.productionId, NOW)).length, 0);
    expect(outliers.length / total).toBeLessThan(0.05);
  });
});
