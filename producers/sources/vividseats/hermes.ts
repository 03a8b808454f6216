// Vivid Seats' listings endpoint (`/hermes/api/v1/listings?productionId=`) read tolerantly: values
// arrive as strings (numbers are accepted too), unknown fields are ignored, and a malformed ticket
// is left out with a counted reason instead of failing the whole event.
import type { Listing, RejectedCount, Section, Zone } from '../../../lib/model.ts';
import { announcedCount, isCount, isObject, num, text } from '../json-fields.ts';
import { SourceError } from '../source.ts';

/** Where the endpoint lives on the marketplace's host. */
export const HERMES_LISTINGS_PATH = '/hermes/api/v1/listings';

export type HermesRejectReason = 'not_an_object' | 'missing_id' | 'missing_zone' | 'bad_quantity' | 'missing_price';

export interface ParsedListings {
  zones: Zone[];
  rejected: RejectedCount[];
  /** global[0].listingCount: how many listings the site says it has; null when it does not say. */
  expectedListings?: number | null;
}

function cents(v: unknown): number | null {
  const n = num(v);
  if (n === null) return null;
  const c = Math.round(n * 100);
  return Number.isSafeInteger(c) ? c : null;
}

/** "2,4" → [2, 4]; unreadable parts are dropped, and nothing readable means "no splits given". */
export function parseSplits(v: unknown): number[] | null {
  const parts = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : typeof v === 'number' ? [v] : [];
  const splits = parts.map(num).filter(isCount);
  return splits.length > 0 ? splits : null;
}

type TicketResult =
  { ok: true; zoneId: string; section: string; listing: Listing } | { ok: false; reason: HermesRejectReason };

function parseTicket(t: unknown): TicketResult {
  if (!isObject(t)) return { ok: false, reason: 'not_an_object' };
  const id = text(t.i);
  if (id === null) return { ok: false, reason: 'missing_id' };
  const zoneId = text(t.c);
  if (zoneId === null) return { ok: false, reason: 'missing_zone' };
  const quantity = num(t.q);
  if (!isCount(quantity)) return { ok: false, reason: 'bad_quantity' };
  const base = cents(t.p);
  const allIn = cents(t.aip);
  if (base === null && allIn === null) return { ok: false, reason: 'missing_price' };
  return {
    ok: true,
    zoneId,
    section: text(t.s) ?? '',
    listing: {
      listing_id: id,
      row: text(t.r) ?? '',
      quantity,
      base_price_cents: base,
      all_in_price_cents: allIn,
      splits: parseSplits(t.m),
    },
  };
}

export function parseHermes(body: unknown): ParsedListings {
  if (!isObject(body)) throw new SourceError('parse', 'listings body is not a JSON object');
  // null is read as "absent": zero listings, as when the field is missing.
  const tickets = body.tickets ?? [];
  if (!Array.isArray(tickets)) throw new SourceError('parse', 'listings body: "tickets" is not an array');

  // Map keeps insertion order: zones in groups order, then zones only tickets mention.
  const zones = new Map<string, { name: string; sections: Map<string, Listing[]> }>();
  for (const g of Array.isArray(body.groups) ? body.groups : []) {
    if (!isObject(g)) continue;
    const id = text(g.i);
    if (id !== null && !zones.has(id)) zones.set(id, { name: text(g.n) ?? `Zone ${id}`, sections: new Map() });
  }

  const rejected = new Map<HermesRejectReason, number>();
  for (const t of tickets) {
    const r = parseTicket(t);
    if (!r.ok) {
      rejected.set(r.reason, (rejected.get(r.reason) ?? 0) + 1);
      continue;
    }
    let zone = zones.get(r.zoneId);
    if (!zone) zones.set(r.zoneId, (zone = { name: `Zone ${r.zoneId}`, sections: new Map() }));
    let listings = zone.sections.get(r.section);
    if (!listings) zone.sections.set(r.section, (listings = []));
    listings.push(r.listing);
  }

  return {
    zones: [...zones].map(([zone_id, z]): Zone => ({
      zone_id,
      name: z.name,
      sections: [...z.sections].map(([name, listings]): Section => ({ name, listings })),
    })),
    rejected: [...rejected].map(([reason, count]) => ({ reason, count })),
    expectedListings: announcedCount(
      Array.isArray(body.global) && isObject(body.global[0]) ? body.global[0].listingCount : null,
    ),
  };
}
