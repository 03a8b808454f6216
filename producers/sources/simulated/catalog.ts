// The simulated marketplace's productions: names, venues, dates and seating, all drawn from the seed.
import { intBetween, pick, rngFor } from './prng.ts';

export interface SimZone {
  /** hermes `groups[].i`. */
  id: string;
  name: string;
  sections: string[];
  /** Typical price per ticket in this zone at the start of the sale, in cents. */
  basePriceCents: number;
}

export interface SimProduction {
  /** hermes `productionId`. */
  productionId: string;
  name: string;
  venue: string;
  /** IANA time zone of the venue. */
  timezone: string;
  startsAt: number;
  capacity: number;
  zones: SimZone[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const VENUES = [
  { venue: 'Harborview Arena', timezone: 'America/New_York', capacity: 19_500 },
  { venue: 'Sunset Pavilion', timezone: 'America/Los_Angeles', capacity: 17_100 },
  { venue: 'Lakeshore Center', timezone: 'America/Chicago', capacity: 20_900 },
  { venue: 'Red Mesa Amphitheatre', timezone: 'America/Denver', capacity: 9_500 },
  { venue: 'Gulf Coast Coliseum', timezone: 'America/Chicago', capacity: 15_800 },
  { venue: 'Riverside Hall', timezone: 'Europe/London', capacity: 12_000 },
  { venue: 'Northern Lights Dome', timezone: 'America/Toronto', capacity: 18_800 },
  { venue: 'Desert Sky Stadium', timezone: 'America/Phoenix', capacity: 45_000 },
] as const;

const ADJECTIVES = ['Midnight', 'Copper', 'Neon', 'Velvet', 'Electric', 'Silver', 'Paper', 'Wild', 'Golden', 'Quiet'];
const NOUNS = ['Foxes', 'Harbor', 'Comets', 'Lanterns', 'Orchard', 'Rivals', 'Sparrows', 'Tides', 'Engines', 'Saints'];
const TOURS = ['World Tour', 'Live', 'Reunion Tour', 'Arena Tour', 'Farewell Tour'];

// Ordered from the stage outwards; a venue uses an ordered subset.
const ZONE_KINDS = [
  { name: 'Floor', dollars: 260, label: (n: number) => `Floor ${String.fromCharCode(64 + n)}` },
  { name: 'Lower Level', dollars: 165, label: (n: number) => `${100 + n}` },
  { name: 'Club Level', dollars: 140, label: (n: number) => `C${n}` },
  { name: 'Mezzanine', dollars: 110, label: (n: number) => `M${200 + n}` },
  { name: 'Upper Level', dollars: 75, label: (n: number) => `${300 + n}` },
  { name: 'Balcony', dollars: 50, label: (n: number) => `BAL ${n}` },
] as const;

function zonesFor(seed: number, index: number, popularity: number): SimZone[] {
  const rng = rngFor(seed, 'zones', index);
  const count = intBetween(rng, 3, ZONE_KINDS.length);
  // Drop random kinds until `count` remain, keeping the stage-outwards order.
  const kinds: (typeof ZONE_KINDS)[number][] = [...ZONE_KINDS];
  while (kinds.length > count) kinds.splice(Math.floor(rng() * kinds.length), 1);
  return kinds.map((kind, z) => ({
    id: String(30_000 + index * 10 + z),
    name: kind.name,
    sections: Array.from({ length: intBetween(rng, 2, 6) }, (_, s) => kind.label(s + 1)),
    basePriceCents: Math.round(kind.dollars * popularity * (0.85 + 0.3 * rng())) * 100,
  }));
}

/** `count` productions starting 2 to 40 days after `now`, on the half hour. */
export function buildCatalog(seed: number, count: number, now: number): SimProduction[] {
  return Array.from({ length: count }, (_, index) => {
    const rng = rngFor(seed, 'production', index);
    const place = pick(rng, VENUES);
    const popularity = 0.6 + rng();
    const startsAt =
      Math.floor((now + intBetween(rng, 2, 40) * DAY + intBetween(rng, 0, 23) * HOUR) / (HOUR / 2)) * (HOUR / 2);
    return {
      productionId: String(5_000_001 + index),
      name: `The ${pick(rng, ADJECTIVES)} ${pick(rng, NOUNS)} – ${pick(rng, TOURS)}`,
      venue: place.venue,
      timezone: place.timezone,
      startsAt,
      capacity: place.capacity,
      zones: zonesFor(seed, index, popularity),
    };
  });
}
