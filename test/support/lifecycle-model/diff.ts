// An independent model of the listing lifecycle (docs/metrics.md#listing-lifecycle-and-inferred-sales),
// written from the rules in words, not from the SQL: snapshots of one (event, source) in processing
// order in, the listing_changes rows out. Tests compare ClickHouse's rows with these, field by field.
import type { ListingSnapshot } from '../../../lib/model.ts';

export type Kind = 'initial' | 'new' | 'price_change' | 'qty_drop' | 'qty_rise' | 'removed' | 'returned';

export interface ExpectedChange {
  listing_id: string;
  kind: Kind;
  changed_at: number;
  previous_at: number | null;
  snapshot_id: string;
  previous_snapshot_id: string;
  zone_id: string;
  zone: string;
  section: string;
  row: string;
  quantity_before: number;
  quantity: number;
  price_before_cents: number | null;
  price_cents: number | null;
  direction: '' | 'up' | 'down';
  tickets_sold: number;
  sale_price_cents: number | null;
  sale_at: number;
  removed_at: number | null;
  listed_at: number;
  excluded_reason: '' | 'event_cutoff';
  days_to_event: number | null;
}

export interface LifecycleRules {
  relistWindowHours: number;
  eventEndCutoffMinutes: number;
}

/** Highest valid all-in price per ticket (docs/metrics.md, price_out_of_range above it). */
const MAX_PRICE = 1_073_741_823;
const HOUR = 3_600_000;

interface Where {
  zone_id: string;
  zone: string;
  section: string;
  row: string;
}

interface Seen extends Where {
  quantity: number;
  price: number | null;
}

interface Known extends Where {
  listed: boolean;
  quantity: number;
  price: number | null;
  listedAt: number;
  /** For a removed listing: when the removal was seen, and what it counted as sold. */
  removedAt: number;
  soldAtRemoval: number;
}

export type SkipReason = '' | 'incomplete' | 'stale';

/** Why a snapshot is not compared, or '' when it is. */
export function skipReason(s: ListingSnapshot, lastComparedAt: number | null): SkipReason {
  const listings = s.zones.reduce((n, z) => n + z.sections.reduce((m, x) => m + x.listings.length, 0), 0);
  const rejected = s.rejected.reduce((n, r) => n + Math.max(0, r.count), 0);
  const expected = s.expected_listings ?? null;
  if (rejected > 0 || (expected !== null && Math.max(0, expected) !== listings)) return 'incomplete';
  if (lastComparedAt !== null && s.scraped_at <= lastComparedAt) return 'stale';
  return '';
}

/** What a snapshot lists: each id once (its first entry with at least one seat). */
function listed(s: ListingSnapshot): Map<string, Seen> {
  const out = new Map<string, Seen>();
  for (const z of s.zones)
    for (const sec of z.sections)
      for (const l of sec.listings) {
        if (l.quantity < 1 || out.has(l.listing_id)) continue;
        const p = l.all_in_price_cents;
        out.set(l.listing_id, {
          zone_id: z.zone_id,
          zone: z.name,
          section: sec.name,
          row: l.row,
          quantity: l.quantity,
          price: p !== null && p >= 1 && p <= MAX_PRICE ? p : null,
        });
      }
  return out;
}

export interface LifecycleRun {
  changes: ExpectedChange[];
  /** Per snapshot, in order: compared with which one (id, '' for the first), or skipped and why. */
  snapshots: Array<{ snapshot_id: string; skip: SkipReason; previous_snapshot_id: string }>;
}

/** The changes of one (event, source) over its snapshots, in processing (offset) order. */
export function lifecycle(snapshots: ListingSnapshot[], rules: LifecycleRules): LifecycleRun {
  const known = new Map<string, Known>();
  let last: { id: string; at: number } | null = null;
  const run: LifecycleRun = { changes: [], snapshots: [] };
  for (const s of snapshots) {
    const skip = skipReason(s, last?.at ?? null);
    run.snapshots.push({ snapshot_id: s.snapshot_id, skip, previous_snapshot_id: skip ? '' : (last?.id ?? '') });
    if (skip) continue;
    const now = listed(s);
    const t = s.scraped_at;
    const days = s.event_starts_at === null ? null : Math.floor((s.event_starts_at - t) / 86_400_000);
    const nearStart = s.event_starts_at !== null && t >= s.event_starts_at - rules.eventEndCutoffMinutes * 60_000;
    const base = {
      changed_at: t,
      previous_at: last?.at ?? null,
      snapshot_id: s.snapshot_id,
      previous_snapshot_id: last?.id ?? '',
      days_to_event: days,
    };
    const emit = (listing_id: string, w: Where, fields: Partial<ExpectedChange> & { kind: Kind }) =>
      run.changes.push({
        listing_id,
        ...base,
        zone_id: w.zone_id,
        zone: w.zone,
        section: w.section,
        row: w.row,
        quantity_before: 0,
        quantity: 0,
        price_before_cents: null,
        price_cents: null,
        direction: '',
        tickets_sold: 0,
        sale_price_cents: null,
        sale_at: t,
        removed_at: null,
        listed_at: t,
        excluded_reason: '',
        ...fields,
      });

    if (last === null) {
      for (const [id, x] of now) {
        emit(id, x, { kind: 'initial', quantity: x.quantity, price_cents: x.price });
        known.set(id, { ...x, listed: true, listedAt: t, removedAt: 0, soldAtRemoval: 0 });
      }
    } else {
      for (const [id, k] of known) {
        if (!k.listed || now.has(id)) continue;
        const sold = nearStart ? 0 : k.quantity;
        emit(id, k, {
          kind: 'removed',
          quantity_before: k.quantity,
          price_before_cents: k.price,
          tickets_sold: sold,
          sale_price_cents: k.price,
          listed_at: k.listedAt,
          excluded_reason: nearStart ? 'event_cutoff' : '',
        });
        Object.assign(k, { listed: false, removedAt: t, soldAtRemoval: sold });
      }
      for (const [id, x] of now) {
        const k = known.get(id);
        const back = k !== undefined && !k.listed && t - k.removedAt <= rules.relistWindowHours * HOUR;
        if (k === undefined || (!k.listed && !back)) {
          emit(id, x, { kind: 'new', quantity: x.quantity, price_cents: x.price });
          known.set(id, { ...x, listed: true, listedAt: t, removedAt: 0, soldAtRemoval: 0 });
          continue;
        }
        const price = x.price ?? k.price;
        const compared = {
          quantity_before: k.quantity,
          quantity: x.quantity,
          price_before_cents: k.price,
          price_cents: price,
          listed_at: k.listedAt,
        };
        if (back)
          emit(id, x, {
            kind: 'returned',
            ...compared,
            tickets_sold: 0 - k.soldAtRemoval,
            sale_price_cents: k.price,
            sale_at: k.removedAt,
            removed_at: k.removedAt,
          });
        if (x.quantity < k.quantity)
          emit(id, x, {
            kind: 'qty_drop',
            ...compared,
            tickets_sold: k.quantity - x.quantity,
            sale_price_cents: k.price,
          });
        if (x.quantity > k.quantity) emit(id, x, { kind: 'qty_rise', ...compared });
        if (x.price !== null && k.price !== null && x.price !== k.price)
          emit(id, x, {
            kind: 'price_change',
            ...compared,
            price_cents: x.price,
            direction: x.price < k.price ? 'down' : 'up',
          });
        // Every sighting updates what it is remembered as; a missing price keeps the last valid one.
        Object.assign(k, { ...x, price, listed: true });
      }
    }
    last = { id: s.snapshot_id, at: t };
  }
  return run;
}
