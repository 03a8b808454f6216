import { describe, expect, it } from 'vitest';
import { parseGametime } from '../gametime/parser.ts';
import { parseHermes } from '../vividseats/hermes.ts';
import { gametimeEventId, gametimeView } from './gametime.ts';
import { createMarket } from './market.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const market = createMarket({ seed: 7, events: 3, now: NOW });
const view = gametimeView(7, market);

describe('the simulated Gametime API', () => {
  it('names each production with a fixed 24-hex-digit id, and knows it back', () => {
    for (const p of market.productions) {
      const id = gametimeEventId(7, p.productionId);
      expect(id).toMatch(/^[0-9a-f]{24}$/);
      expect(view.productionOf(id)?.productionId).toBe(p.productionId);
    }
    expect(gametimeEventId(8, '5000001')).not.toBe(gametimeEventId(7, '5000001'));
    expect(view.listingsAt('nope', NOW)).toBeUndefined();
  });

  it('lists most of the hermes inventory again, same section, row and seats, mostly within 1.5 %', () => {
    let shared = 0;
    let near = 0;
    let own = 0;
    let hermesTotal = 0;
    for (const p of market.productions) {
      const at = NOW + 3_600_000;
      const hermes = parseHermes(market.listingsAt(p.productionId, at));
      const gt = parseGametime(view.listingsAt(gametimeEventId(7, p.productionId), at));
      expect(gt.rejected).toEqual([]);
      const byId = new Map(
        hermes.zones.flatMap((z) =>
          z.sections.flatMap((s) =>
            s.listings.map((l) => [l.listing_id, { zone: z.name, section: s.name, l }] as const),
          ),
        ),
      );
      hermesTotal += byId.size;
      for (const z of gt.zones)
        for (const s of z.sections)
          for (const l of s.listings) {
            expect(l.seats).toHaveLength(l.quantity);
            if (l.listing_id.startsWith('gto-')) {
              own++;
              continue;
            }
            const twin = byId.get(l.listing_id.slice(3))!;
            expect(twin).toBeDefined();
            expect([twin.zone, twin.section, twin.l.row, twin.l.quantity]).toEqual([z.name, s.name, l.row, l.quantity]);
            shared++;
            const gap = Math.abs(l.all_in_price_cents! - twin.l.all_in_price_cents!) / twin.l.all_in_price_cents!;
            if (gap <= 0.0151) near++;
            else expect(gap).toBeGreaterThan(0.029);
          }
    }
    expect(shared / hermesTotal).toBeGreaterThan(0.5);
    expect(shared / hermesTotal).toBeLessThan(0.8);
    expect(near / shared).toBeGreaterThan(0.65);
    expect(own).toBeGreaterThan(0);
  });
});
