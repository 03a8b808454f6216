// The question behind GET /v1/compare: a price metric of several events on the days-to-event axis,
// from zone_snapshots (every scrape of every zone, days_to_event as recorded). One value per event
// and day before the show (days_to_event >= 0): the lowest get-in price of the day's scrapes
// (get_in), the lowest total for two together (get_in_2), or the median of the scrapes' median
// prices (median); one zone, or every zone of the event. Fixed SQL per metric; values bound.
import type { Store } from '../../lib/clickhouse/store.ts';

export type CompareMetric = 'get_in' | 'get_in_2' | 'median';

export interface CompareRow {
  event_id: string;
  days_to_event: number;
  value_cents: number;
}

const VALUE: Record<CompareMetric, string> = {
  get_in: 'min(lowest_price_cents)',
  get_in_2: 'min(lowest_price_2_cents)',
  median: 'toUInt32(round(quantileExact(0.5)(median_price_cents)))',
};
const COLUMN: Record<CompareMetric, string> = {
  get_in: 'lowest_price_cents',
  get_in_2: 'lowest_price_2_cents',
  median: 'median_price_cents',
};

const sql = (
  m: CompareMetric,
) => `SELECT event_id, assumeNotNull(days_to_event) AS days_to_event, ${VALUE[m]} AS value_cents
  FROM zone_snapshots
  WHERE event_id IN {events:Array(String)} AND ({zone:String} = '' OR zone = {zone:String})
    AND days_to_event >= 0 AND ${COLUMN[m]} IS NOT NULL
  GROUP BY event_id, days_to_event
  ORDER BY event_id, days_to_event DESC`;

const SQL: Record<CompareMetric, string> = { get_in: sql('get_in'), get_in_2: sql('get_in_2'), median: sql('median') };

export async function compareByDaysToEvent(
  store: Store,
  q: { events: string[]; zone?: string; metric: CompareMetric },
): Promise<CompareRow[]> {
  const rows = await store.query<CompareRow>(SQL[q.metric], { events: q.events, zone: q.zone ?? '' });
  return rows.map((r) => ({ ...r, days_to_event: Number(r.days_to_event), value_cents: Number(r.value_cents) }));
}
