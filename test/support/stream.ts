// A known, reproducible stream of raw snapshots for consumer tests: several scrapes per hour,
// out-of-order scrapes, empty sections, bad prices, zones without listings and one fat-finger.
import type { Listing, ListingSnapshot, Zone } from '../../lib/model.ts';
import { mulberry32 } from '../../producers/sources/simulated/prng.ts';

/** The simulator's seeded PRNG, re-exported for tests that need reproducible noise. */
export const prng = mulberry32;

export interface StreamOptions {
  seed?: number;
  events?: number;
  hours?: number;
  scrapesPerHour?: number;
  start?: number;
  listingsPerSection?: number;
}

export function knownStream(shape: StreamOptions = {}): ListingSnapshot[] {
  const rnd = prng(shape.seed ?? 7);
  const events = shape.events ?? 3;
  const hours = shape.hours ?? 5;
  const perHour = shape.scrapesPerHour ?? 3;
  const start = shape.start ?? Date.UTC(2026, 10, 20, 22, 0, 0);
  const perSection = shape.listingsPerSection ?? 6;
  const out: ListingSnapshot[] = [];
  let n = 0;
  for (let e = 0; e < events; e++) {
    const eventId = `evt-${e}`;
    const perEvent: ListingSnapshot[] = [];
    for (let h = 0; h < hours; h++) {
      for (let k = 0; k < perHour; k++) {
        const t = start + h * 3_600_000 + Math.floor(((k + rnd()) / perHour) * 3_600_000);
        const zones: Zone[] = ['Floor', 'Lower', 'Upper'].map((name, zi) => ({
          zone_id: `z${zi}`,
          name,
          sections:
            name === 'Upper' && h % 2 === 1
              ? [] // a zone with no listings at all in some scrapes
              : [0, 1].map((si) => ({
                  name: `${name}-${100 + si}`,
                  listings: Array.from({ length: perSection }, (_, li): Listing => {
                    const base = 5_000 + zi * 4_000 + Math.floor(rnd() * 3_000);
                    const q = 1 + Math.floor(rnd() * 6);
                    const bad = si === 1 && name === 'Lower' && h === 2; // an all-bad section
                    const r = rnd();
                    return {
                      listing_id: `${eventId}-${name}-${si}-${li}`,
                      row: String.fromCharCode(65 + li),
                      quantity: q,
                      base_price_cents: base,
                      all_in_price_cents: bad ? (li % 2 ? 0 : -100) : r < 0.05 ? null : Math.round(base * 1.2),
                      splits: r > 0.7 ? [q] : r > 0.4 ? [2, 4].filter((x) => x <= q) : null,
                    };
                  }),
                })),
        }));
        // One fat-fingered listing: 5% of the zone's level.
        if (e === 0 && h === 3 && k === 1) zones[1]!.sections[0]!.listings[0]!.all_in_price_cents = 450;
        perEvent.push({
          snapshot_id: `snap-${e}-${h}-${k}-${n++}`,
          job_id: `job-${h}`,
          event_id: eventId,
          source: 'simulated',
          source_event_id: String(5000 + e),
          scraped_at: t,
          event_starts_at: start + 10 * 86_400_000,
          zones,
          rejected: k === 0 ? [{ reason: 'missing_id', count: 1 }] : [],
        });
      }
    }
    // Out of order: swap a few neighbours across an hour boundary, and redeliver one snapshot.
    for (let i = perHour - 1; i < perEvent.length - 1; i += perHour * 2)
      [perEvent[i], perEvent[i + 1]] = [perEvent[i + 1]!, perEvent[i]!];
    perEvent.push(perEvent[Math.min(4, perEvent.length - 1)]!);
    out.push(...perEvent);
  }
  return out;
}
