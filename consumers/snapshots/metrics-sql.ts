// Every price and inventory metric, defined once, as a ClickHouse expression over the listings of
// one group (a section, or a whole zone: zones are computed from their listings, never from section
// results). The ingest views (views.ts) evaluate the same list per section and per zone; adding a
// metric means adding it here, adding its column to section_snapshots / zone_snapshots (a
// migration), the API schema and docs/metrics.md.
//
// A group's listings arrive as parallel arrays, one element per listing (views.ts, `verdictArrays`):
//   valid     the listing counts: all-in price 1 .. MAX_PRICE_CENTS and quantity >= 1
//   price     its all-in price per ticket in cents (UInt32; 0 when not valid)
//   outlier   valid and under TWS_OUTLIER_RATIO x the zone's trailing reference median
//   get_in    valid and, when TWS_EXCLUDE_OUTLIERS, not an outlier: what the get-in prices look at
//   base_ok, base   a usable base (pre-fee) price and the price
//   quantity  seats offered;  pair, four   the seller's splits allow 2 (4) seats together
//   counted   valid and in the inventory: per source every valid listing; over all sources a
//             cross-site duplicate of an earlier source's listing is not (all-sources-views.ts)
// Arrays, not one row per listing: ClickHouse computes them column-wise, with no row per listing
// to copy and group (the cost that mattered, measured in the bench).

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

/** The elements of `values` where `cond` holds. */
const where = (values: string, cond: string) => `arrayFilter((x, c) -> c, ${values}, ${cond})`;
const both = (a: string, b: string) => `arrayMap((x, y) -> x AND y, ${a}, ${b})`;
/** `agg` of the selected elements, or NULL when none is selected. */
const orNull = (agg: string, selected: string) => `if(empty(${selected}), NULL, ${agg}(${selected}))`;

const VALID_PRICES = where('price', 'valid');

export const PRICE_METRICS: readonly MetricDef[] = [
  { column: 'lowest_price_cents', type: 'Nullable(UInt32)', sql: orNull('arrayMin', where('price', 'get_in')) },
  {
    column: 'lowest_base_price_cents',
    type: 'Nullable(UInt32)',
    sql: orNull('arrayMin', where('base', both('get_in', 'base_ok'))),
  },
  {
    column: 'average_price_cents',
    type: 'Nullable(Float64)',
    sql: `if(empty(${VALID_PRICES}), NULL, arraySum(x -> toFloat64(x), ${VALID_PRICES}) / length(${VALID_PRICES}))`,
  },
  {
    // The median of the valid prices; an even count takes the mean of the middle two, and half a
    // cent rounds up (prices are positive).
    column: 'median_price_cents',
    type: 'Nullable(UInt32)',
    sql: `if(empty(${VALID_PRICES}), NULL, toUInt32(floor(arrayReduce('quantileExactInclusive(0.5)', arrayMap(x -> toFloat64(x), ${VALID_PRICES})) + 0.5)))`,
  },
  { column: 'highest_price_cents', type: 'Nullable(UInt32)', sql: orNull('arrayMax', VALID_PRICES) },
  {
    column: 'lowest_price_2_cents',
    type: 'Nullable(UInt32)',
    sql: `if(empty(${where('price', both('get_in', 'pair'))}), NULL, 2 * toUInt64(arrayMin(${where('price', both('get_in', 'pair'))})))`,
  },
  {
    column: 'lowest_price_4_cents',
    type: 'Nullable(UInt32)',
    sql: `if(empty(${where('price', both('get_in', 'four'))}), NULL, 4 * toUInt64(arrayMin(${where('price', both('get_in', 'four'))})))`,
  },
  { column: 'sum_price_cents', type: 'UInt64', sql: `arraySum(x -> toUInt64(x), ${VALID_PRICES})` },
  { column: 'priced_listings', type: 'UInt32', sql: 'arrayCount(valid)' },
  // Inventory counts each listing once across sites; prices above look at every valid listing.
  { column: 'total_tickets', type: 'UInt32', sql: `arraySum(x -> toUInt64(x), ${where('quantity', 'counted')})` },
  { column: 'total_listings', type: 'UInt32', sql: 'arrayCount(counted)' },
  { column: 'available', type: 'Bool', sql: `arraySum(x -> toUInt64(x), ${where('quantity', 'counted')}) > 0` },
  { column: 'outlier_listings', type: 'UInt32', sql: 'arrayCount(outlier)' },
  { column: 'rejected_listings', type: 'UInt32', sql: 'arrayCount(x -> NOT x, valid)' },
];

/** `expr AS column, ...` over a group's verdict arrays. */
export const metricSelect = (indent = '  '): string =>
  PRICE_METRICS.map((m) => `${indent}${m.sql} AS ${m.column}`).join(',\n');
