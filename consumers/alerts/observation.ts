// What a rule looks at in one zone-metrics record (or in the section row of the same scrape): the
// event time, the prices per basis and group size, the ticket and listing counts.
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';
import type { ZoneMetricsRecord } from '../../lib/model.ts';

export type { ZoneMetricsRecord };

export interface Observation {
  /** Event time: when the scrape saw it. */
  at: number;
  snapshot_id: string;
  event_id: string;
  zone_id: string;
  zone: string;
  section: string | null;
  lowest_price_cents: number | null;
  lowest_base_price_cents: number | null;
  /** Lowest total for 2 (4) seats together from one listing, by the seller's splits. */
  lowest_price_2_cents: number | null;
  lowest_price_4_cents: number | null;
  tickets: number;
  listings: number;
  /**
   * Listings that came on sale at this scrape (the lifecycle's `new` changes of its snapshot, in this
   * zone or section); null when not read (only new_listings rules need it).
   */
  new_listings: number | null;
}

export const zoneObservation = (m: ZoneMetricsRecord): Observation => ({
  at: m.scraped_at,
  snapshot_id: m.snapshot_id,
  event_id: m.event_id,
  zone_id: m.zone_id,
  zone: m.zone,
  section: null,
  lowest_price_cents: m.lowest_price_cents,
  lowest_base_price_cents: m.lowest_base_price_cents,
  lowest_price_2_cents: m.lowest_price_2_cents,
  lowest_price_4_cents: m.lowest_price_4_cents,
  tickets: m.total_tickets,
  listings: m.total_listings,
  new_listings: null,
});

/** One rule keeps one state per series: a zone, or a section of a zone. */
export const seriesKey = (o: Pick<Observation, 'zone_id' | 'section'>): string =>
  o.section === null ? o.zone_id : `${o.zone_id}/${o.section}`;

type RuleView = Pick<AlertRuleRecord, 'condition' | 'basis' | 'group_size'>;

/**
 * The value a rule compares: for price conditions the price per ticket in cents (the group's total
 * divided by its seats, so thresholds read the same for any group size); tickets for
 * inventory_below; the scrape's new listings for new_listings. Null when there is no such value.
 */
export function valueOf(rule: RuleView, o: Observation): number | null {
  if (rule.condition === 'inventory_below') return o.tickets;
  if (rule.condition === 'new_listings') return o.new_listings;
  if (rule.group_size === 2) return o.lowest_price_2_cents === null ? null : Math.round(o.lowest_price_2_cents / 2);
  if (rule.group_size === 4) return o.lowest_price_4_cents === null ? null : Math.round(o.lowest_price_4_cents / 4);
  return rule.basis === 'base' ? o.lowest_base_price_cents : o.lowest_price_cents;
}

/** Whether a rule of this scope looks at this record's zone. */
export const inScope = (rule: Pick<AlertRuleRecord, 'zone'>, m: Pick<ZoneMetricsRecord, 'zone'>): boolean =>
  rule.zone === null || rule.zone === m.zone;
