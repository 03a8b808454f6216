// The listing rules of docs/metrics.md as SQL over one listing's fields, shared by the per-source
// views (views.ts) and the all-sources views (all-sources-views.ts), so each rule is written once.
import { MAX_PRICE_CENTS } from './metrics-sql.ts';

/** A listing that counts: an all-in price of 1 .. MAX_PRICE_CENTS cents and at least one seat. */
export const isValid = (price: string, quantity: string) =>
  `(isNotNull(${price}) AND assumeNotNull(${price}) BETWEEN 1 AND ${MAX_PRICE_CENTS} AND ${quantity} >= 1)`;
/** The price the metrics use: the all-in price of a valid listing, 0 otherwise. */
export const validPrice = (price: string, valid: string) =>
  `if(${valid}, toUInt32(assumeNotNull(${price})), toUInt32(0))`;
/** Under TWS_OUTLIER_RATIO x the zone's reference (`ref`, over `observations` scrapes). */
export const isOutlier = (price: string, valid: string) =>
  `(${valid} AND observations > 0 AND toFloat64(${price}) < outlier_ratio * ref)`;
export const baseOk = (base: string) =>
  `(isNotNull(${base}) AND assumeNotNull(${base}) BETWEEN 1 AND ${MAX_PRICE_CENTS})`;
/** The split rule: n seats from one listing, allowed by the seller's splits when given. */
export const seatsTogether = (n: number, quantity: string, splits: string) =>
  `(${quantity} >= ${n} AND (empty(${splits}) OR has(${splits}, ${n})))`;
export const rejectedReason = (price: string, quantity: string) => `multiIf(
    isNull(${price}), 'missing_price',
    assumeNotNull(${price}) <= 0, 'non_positive_price',
    assumeNotNull(${price}) > ${MAX_PRICE_CENTS}, 'price_out_of_range',
    ${quantity} < 1, 'bad_quantity',
    '')`;

/** The zone number of each zone entry of `zones`: the index of the first entry with its id. */
export const zoneNos = (zones: string) => `arrayMap(id -> toUInt32(indexOf(${zones}.zone_id, id)), ${zones}.zone_id)`;

// ── Cross-site dedupe (docs/metrics.md#cross-site-dedupe) ─────────────────────────────────────

/**
 * A section or row label as sites write it differently: lower case, spaces collapsed, a leading
 * "section", "sect", "sec" or "row" word dropped ("Sec. 112" and "112" are one section; "Sec112" is
 * not). ASCII letters only are folded.
 */
export const placeKey = (label: string) =>
  `replaceRegexpOne(lower(trimBoth(replaceRegexpAll(${label}, '\\\\s+', ' '))), '^(section|sect|sec|row)(\\\\.\\\\s*|\\\\s+)', '')`;

/**
 * Two valid listings of different sources are the same inventory: same section and row (both
 * known), all-in prices within `tol` of the lower one, and seat numbers not contradicting (unknown
 * on either side, or sharing a seat). `a` and `b` name tuples with section_key, row_key, price
 * (valid cents), valid, seats and source.
 */
export const sameInventory = (a: string, b: string, tol: string) => `(
    ${a}.source != ${b}.source AND ${a}.valid AND ${b}.valid
    AND ${a}.section_key != '' AND ${a}.row_key != ''
    AND ${a}.section_key = ${b}.section_key AND ${a}.row_key = ${b}.row_key
    AND abs(toInt64(${a}.price) - toInt64(${b}.price)) <= ${tol} * least(${a}.price, ${b}.price)
    AND (empty(${a}.seats) OR empty(${b}.seats) OR hasAny(${a}.seats, ${b}.seats)))`;
