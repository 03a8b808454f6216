// Gametime's listings (`GET /v1/listings?event_id=` on its mobile API), read tolerantly, as
// open-source scrapers describe it (the shape is pinned in ./README.md):
//
//   { "listings": [ { "id", "section", "section_group", "row", "seats": ["5", "6"],
//                     "lots": [2], "price": { "prefee": 12050, "total": 15063 }, … } ] }
//
// Prices are integer cents per ticket (`prefee` before fees, `total` all-in); `lots` are the
// quantities a buyer may take, i.e. our splits; `section_group` is the zone. Numbers may arrive as
// strings, unknown fields are ignored, and a malformed listing is left out with a counted reason
// (the same reasons as the hermes parser) instead of failing the whole event.
import type { Listing, RejectedCount, Section, Zone } from '../../../lib/model.ts';
import { announcedCount, isCount, isObject, num, text } from '../json-fields.ts';
import { SourceError } from '../source.ts';

/** Where the endpoint lives on the marketplace's host. */
export const GAMETIME_LISTINGS_PATH = '/v1/listings';

export type GametimeRejectReason = 'not_an_object' | 'missing_id' | 'missing_zone' | 'bad_quantity' | 'missing_price';

export interface ParsedGametime {
  zones: Zone[];
  rejected: RejectedCount[];
  /**
   * `meta.count`: how many listings the answer says it holds; null when it does not say. A partial
   * answer lists fewer, and the listing lifecycle then skips the snapshot (README.md).
   */
  expectedListings: number | null;
}

/** A label given as text or as an object with a `name` (both are seen for sections and groups). */
const label = (v: unknown): string | null => text(v) ?? (isObject(v) ? text(v.name) : null);

/** Already cents: a whole number, rounded when the source sent a fraction of a cent. */
function cents(v: unknown): number | null {
  const n = num(v);
  if (n === null) return null;
  const c = Math.round(n);
  return Number.isSafeInteger(c) ? c : null;
}

/** `lots`: [2, 4], "2,4" or 4; unreadable, zero and negative entries are dropped. */
export function parseLots(v: unknown): number[] | null {
  const parts = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : typeof v === 'number' ? [v] : [];
  const lots = [...new Set(parts.map(num).filter(isCount))].sort((a, b) => a - b);
  return lots.length > 0 ? lots : null;
}

/** Seat numbers as labels; an absent list (seats not disclosed) is empty. */
export function parseSeats(v: unknown): string[] {
  return Array.isArray(v) ? v.map(text).filter((s): s is string => s !== null) : [];
}

type ListingResult =
  { ok: true; zone: string; section: string; listing: Listing } | { ok: false; reason: GametimeRejectReason };

function parseListing(l: unknown): ListingResult {
  if (!isObject(l)) return { ok: false, reason: 'not_an_object' };
  const id = text(l.id);
  if (id === null) return { ok: false, reason: 'missing_id' };
  const zone = label(l.section_group);
  if (zone === null) return { ok: false, reason: 'missing_zone' };
  const seats = parseSeats(l.seats);
  const lots = parseLots(l.lots);
  // The seats listed are the quantity; without them, the largest lot a buyer may take.
  const quantity = Math.max(seats.length, lots === null ? 0 : lots[lots.length - 1]!);
  if (!isCount(quantity)) return { ok: false, reason: 'bad_quantity' };
  const price = isObject(l.price) ? l.price : {};
  const base = cents(price.prefee);
  const allIn = cents(price.total);
  if (base === null && allIn === null) return { ok: false, reason: 'missing_price' };
  return {
    ok: true,
    zone,
    section: label(l.section) ?? '',
    listing: {
      listing_id: id,
      row: text(l.row) ?? '',
      quantity,
      base_price_cents: base,
      all_in_price_cents: allIn,
      splits: lots,
      seats: seats.length > 0 ? seats : null,
    },
  };
}

export function parseGametime(body: unknown): ParsedGametime {
  if (!isObject(body)) throw new SourceError('parse', 'listings body is not a JSON object');
  // null is read as "absent": zero listings.
  const listings = body.listings ?? [];
  if (!Array.isArray(listings)) throw new SourceError('parse', 'listings body: "listings" is not an array');

  // Map keeps insertion order: zones and sections as the listings first mention them.
  const zones = new Map<string, Map<string, Listing[]>>();
  const rejected = new Map<GametimeRejectReason, number>();
  for (const l of listings) {
    const r = parseListing(l);
    if (!r.ok) {
      rejected.set(r.reason, (rejected.get(r.reason) ?? 0) + 1);
      continue;
    }
    let sections = zones.get(r.zone);
    if (!sections) zones.set(r.zone, (sections = new Map()));
    let list = sections.get(r.section);
    if (!list) sections.set(r.section, (list = []));
    list.push(r.listing);
  }
  return {
    // Gametime names its groups without ids: the name is the zone's id too.
    zones: [...zones].map(([name, sections]): Zone => ({
      zone_id: name,
      name,
      sections: [...sections].map(([section, list]): Section => ({ name: section, listings: list })),
    })),
    rejected: [...rejected].map(([reason, count]) => ({ reason, count })),
    expectedListings: announcedCount(isObject(body.meta) ? body.meta.count : null),
  };
}
