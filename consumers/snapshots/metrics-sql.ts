// Every price and inventory metric, defined once, as a ClickHouse aggregate over the listing rows of
// one group (a section, or a whole zone: zones are computed from their listings, never from section
// results). The ingest views (views.ts) aggregate the same list per section and per zone; adding a
// metric means adding it here, adding its column to section_snapshots / zone_snapshots (a
// migration), the API schema and docs/metrics.md.
//
// The columns a definition may use come from the `verdicts` rows of views.ts, one per listing:
//   valid     the listing counts: all-in price 1 .. MAX_PRICE_CENTS and quantity >= 1
//   price     its all-in price per ticket in cents (UInt32; meaningless when not valid)
//   outlier   valid and under TWS_OUTLIER_RATIO x the zone's trailing reference median
//   get_in    valid and, when TWS_EXCLUDE_OUTLIERS, not an outlier: what the get-in prices look at
//   base_ok, base   a usable base (pre-fee) price and the price
//   quantity  seats offered;  pair, four   the seller's splits allow 2 (4) seats together
//   has_listing     false on the placeholder row of a section without listings

/**
 * The highest price per ticket a listing may have ($10,737,418.23): four seats of it still fit the
 * UInt32 cent columns. Above it a listing is rejected as `price_out_of_range`, never wrapped.
 */
export const MAX_PRICE_CENTS = 1_073_741_823;

export interface MetricDef {
  column: string;
  /** The column type in section_snapshots / zone_snapshots. */
  type: string;
  sql: string;
}

const orNull = (valid: string, expr: string) => `if(countIf(${valid}) = 0, NULL, ${expr})`;

export const PRICE_METRICS: readonly MetricDef[] = [
  { column: 'lowest_price_cents', type: 'Nullable(UInt32)', sql: 'minOrNullIf(price, get_in)' },
  { column: 'lowest_base_price_cents', type: 'Nullable(UInt32)', sql: 'minOrNullIf(base, get_in AND base_ok)' },
  {
    column: 'average_price_cents',
    type: 'Nullable(Float64)',
    sql: orNull('valid', 'toFloat64(sumIf(toUInt64(price), valid)) / countIf(valid)'),
  },
  {
    // The median of the valid prices; an even count takes the mean of the middle two, and half a
    // cent rounds up (prices are positive).
    column: 'median_price_cents',
    type: 'Nullable(UInt32)',
    sql: orNull('valid', 'toUInt32(floor(quantileExactInclusiveIf(0.5)(toFloat64(price), valid) + 0.5))'),
  },
  { column: 'highest_price_cents', type: 'Nullable(UInt32)', sql: 'maxOrNullIf(price, valid)' },
  {
    column: 'lowest_price_2_cents',
    type: 'Nullable(UInt32)',
    sql: 'minOrNullIf(2 * toUInt64(price), get_in AND pair)',
  },
  {
    column: 'lowest_price_4_cents',
    type: 'Nullable(UInt32)',
    sql: 'minOrNullIf(4 * toUInt64(price), get_in AND four)',
  },
  { column: 'sum_price_cents', type: 'UInt64', sql: 'sumIf(toUInt64(price), valid)' },
  { column: 'priced_listings', type: 'UInt32', sql: 'countIf(valid)' },
  { column: 'total_tickets', type: 'UInt32', sql: 'sumIf(toUInt64(quantity), valid)' },
  { column: 'total_listings', type: 'UInt32', sql: 'countIf(valid)' },
  { column: 'available', type: 'Bool', sql: 'sumIf(toUInt64(quantity), valid) > 0' },
  { column: 'outlier_listings', type: 'UInt32', sql: 'countIf(outlier)' },
  { column: 'rejected_listings', type: 'UInt32', sql: 'countIf(has_listing AND NOT valid)' },
];

/** `expr AS column, ...` for a SELECT that groups verdict rows. */
export const metricSelect = (indent = '  '): string =>
  PRICE_METRICS.map((m) => `${indent}${m.sql} AS ${m.column}`).join(',\n');
