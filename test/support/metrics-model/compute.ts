// The per-scrape maths of the metrics consumer: one ListingSnapshot in, section rows, zone rows and
// per-listing verdicts out. Pure apart from `medians`, the outlier state the caller owns.
import type { Listing, ListingSnapshot, SectionMetrics, ZoneMetrics } from '../../../lib/model.ts';
import { checkListing } from './listing-checks.ts';
import type { PriceBasis, RejectReason } from './listing-checks.ts';
import { median, roundCents } from './median.ts';
import { DAY_MS, DEFAULT_OUTLIER_RATIO, isOutlier, zoneKey } from './outliers.ts';
import type { TrailingMedians } from './outliers.ts';
import { priceMetrics } from './price-metrics.ts';
import type { CheckedListing } from './price-metrics.ts';

export interface MetricsOptions {
  /** Default 'all_in'. */
  basis?: PriceBasis;
  /** Default 0.25: flagged when price < ratio × the zone's 24-hour reference median. */
  outlierRatio?: number;
  /** Default true: flagged listings are left out of the get-in prices. */
  excludeOutliers?: boolean;
  /** Observed (this scrape's zone medians) and read; the caller keeps it across snapshots. */
  medians: TrailingMedians;
}

export interface ListingVerdict {
  zone_id: string;
  zone: string;
  section: string;
  listing: Listing;
  /** The basis price used for the metrics; null when rejected. */
  priceCents: number | null;
  outlier: boolean;
  /** '' when the listing was used. */
  rejectedReason: RejectReason | '';
}

export interface SnapshotMetrics {
  sections: SectionMetrics[];
  zones: ZoneMetrics[];
  listings: ListingVerdict[];
  /** Listings rejected here (the producer's own `snapshot.rejected` counts are not included). */
  rejected: number;
  outliers: number;
  daysToEvent: number | null;
}

/** Whole days from the scrape to the event start, floored (negative after the start). */
export const daysToEvent = (scrapedAt: number, eventStartsAt: number | null): number | null =>
  eventStartsAt === null ? null : Math.floor((eventStartsAt - scrapedAt) / DAY_MS);

type Item = CheckedListing & { reason: RejectReason | '' };

interface ZoneGroup {
  zone_id: string;
  zone: string;
  sections: Map<string, Item[]>;
  /** Every item of the zone, section after section as they came. */
  all: Item[];
}

export function computeSnapshotMetrics(snapshot: ListingSnapshot, opts: MetricsOptions): SnapshotMetrics {
  const basis = opts.basis ?? 'all_in';
  const ratio = opts.outlierRatio ?? DEFAULT_OUTLIER_RATIO;
  const exclude = opts.excludeOutliers ?? true;
  const at = snapshot.scraped_at;

  // Group by zone id and section name, so a source that repeats a zone or a section still yields
  // one row per key (and one median observation per zone and scrape).
  const zones = new Map<string, ZoneGroup>();
  for (const z of snapshot.zones) {
    let group = zones.get(z.zone_id);
    if (!group) zones.set(z.zone_id, (group = { zone_id: z.zone_id, zone: z.name, sections: new Map(), all: [] }));
    for (const s of z.sections) {
      let items = group.sections.get(s.name);
      if (!items) group.sections.set(s.name, (items = []));
      for (const listing of s.listings) {
        const check = checkListing(listing, basis);
        const item: Item = check.ok
          ? { listing, priceCents: check.priceCents, outlier: false, reason: '' }
          : { listing, priceCents: null, outlier: false, reason: check.reason };
        items.push(item);
        group.all.push(item);
      }
    }
  }

  const out: SnapshotMetrics = {
    sections: [],
    zones: [],
    listings: [],
    rejected: 0,
    outliers: 0,
    daysToEvent: daysToEvent(at, snapshot.event_starts_at),
  };

  for (const group of zones.values()) {
    const all = group.all;
    // Observe first, then read: the reference includes this scrape, so the very first scrape of a
    // zone still catches a fat-finger among normal listings. The rounded median is what
    // zone_snapshots.median_price_cents stores, so the state can be rebuilt from that table.
    const valid: number[] = [];
    for (const item of all) if (item.priceCents !== null) valid.push(item.priceCents);
    const zoneMedian = median(valid);
    // Each source has its own history of a zone: zone ids and price levels are the site's own.
    const key = zoneKey(snapshot.event_id, `${snapshot.source}|${group.zone_id}`);
    if (zoneMedian !== null) opts.medians.observe(key, at, roundCents(zoneMedian));
    const reference = opts.medians.reference(key, at);
    for (const item of all) item.outlier = item.priceCents !== null && isOutlier(item.priceCents, reference, ratio);

    const { zone_id, zone } = group;
    for (const [section, items] of group.sections) {
      out.sections.push({ zone_id, zone, section, ...priceMetrics(items, exclude) });
      // Plain literals, no spreads: this runs once per listing (issue 7 profile: spreads and GC led).
      for (const item of items) {
        out.listings.push({
          zone_id,
          zone,
          section,
          listing: item.listing,
          priceCents: item.priceCents,
          outlier: item.outlier,
          rejectedReason: item.reason,
        });
      }
    }
    const zoneRow: ZoneMetrics = { zone_id, zone, sections: group.sections.size, ...priceMetrics(all, exclude) };
    out.zones.push(zoneRow);
    out.rejected += zoneRow.rejected_listings;
    out.outliers += zoneRow.outlier_listings;
  }
  return out;
}
