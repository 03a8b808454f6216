// The lifecycle rules of docs/metrics.md#listing-lifecycle-and-inferred-sales, once, as ClickHouse
// array expressions over one listing's history in one block: its state before the block (`s0`), and
// per diffed snapshot i = 1..n of its (event, source), in offset order, what it was there:
//   at_has[i], at_qty[i], at_price[i], at_where[i]    listed in snapshot i, and as what
//   ts[i], near[i]                                    scraped_at; within the cutoff before the start
// plus has_mark (a diffed snapshot of the key exists before the block) and window_h.
//
// No fold: what a step compares with is always "the last time it was seen", so the state before
// each step is a forward fill (arrayFill) over the steps before it, with s0 in front. `last_*[i]`
// (length n + 1) is the state before step i; `last_*[n + 1]` is the state after the block. Only
// steps with a change produce a change tuple (cost grows with changes, not with listings × steps).

/** A listing's state: what it was when last seen, and, once removed, when and what that sold. */
export const STATE_TYPE = `Tuple(
    exists Bool, present Bool, quantity UInt32, price_cents Nullable(UInt32),
    zone_id String, zone String, section String, row String,
    listed_at DateTime64(3, 'UTC'), changed_at DateTime64(3, 'UTC'), sold UInt32)`;

/** Change kinds by bit (1-based), in the order a step emits them. */
export const KINDS = ['initial', 'new', 'returned', 'qty_drop', 'qty_rise', 'price_change', 'removed'] as const;
const bit = (kind: (typeof KINDS)[number]) => KINDS.indexOf(kind) + 1;

const IDX = 'range(toUInt32(1), n + 1)';
/** `[seed] ++ values`, forward-filled where `keep` (also `[true] ++ …`) is false: the value before each step. */
const before = (seed: string, values: string, keep: string) =>
  `arrayFill((v, c) -> c, arrayConcat([${seed}], ${values}), arrayConcat([true], ${keep}))`;
const ms = (x: string) => `toUnixTimestamp64Milli(${x})`;

/**
 * The per-listing columns, stage by stage: a stage reads only the columns of the stages before it.
 * Each stage is a subquery of its own (views.ts): ClickHouse's analyser inlines an alias's expression
 * wherever the alias is used, so one flat SELECT of these took 0.75 s of CPU to plan per insert.
 */
export const RULE_STAGES: Array<Array<[string, string]>> = [
  [
    // Listed just before step i (n + 1 elements: the last one is "after the block").
    ['was', `arrayConcat([s0.present], at_has)`],
    ['last_q', before('s0.quantity', 'at_qty', 'at_has')],
    ['last_w', before('(s0.zone_id, s0.zone, s0.section, s0.row)', 'at_where', 'at_has')],
    [
      'known',
      `arrayMap(c -> c > 0, arrayCumSum(arrayConcat([toUInt32(s0.exists)], arrayMap(h -> toUInt32(h), at_has))))`,
    ],
    /** The first diffed snapshot of an (event, source): its listings are the baseline, not news. */
    ['baseline', `arrayMap(i -> NOT has_mark AND i = 1, ${IDX})`],
  ],
  [['gone', `arrayMap(i -> was[i] AND NOT at_has[i] AND NOT baseline[i], ${IDX})`]],
  [
    // When the last removal was seen, and what it counted as sold (nothing near the start).
    ['removed_t', before('s0.changed_at', 'ts', 'gone')],
    ['removed_sold', before('s0.sold', `arrayMap(i -> if(near[i], toUInt32(0), last_q[i]), ${IDX})`, 'gone')],
  ],
  [
    // Back within the relist window after a removal: the removal was no sale.
    [
      'back',
      `arrayMap(i -> at_has[i] AND NOT was[i] AND known[i] AND NOT baseline[i]
      AND ${ms('ts[i]')} - ${ms('removed_t[i]')} <= toInt64(window_h) * 3600000, ${IDX})`,
    ],
  ],
  [['fresh', `arrayMap(i -> at_has[i] AND NOT was[i] AND NOT back[i], ${IDX})`]],
  [
    ['listed_t', before('s0.listed_at', 'ts', 'fresh')],
    // The last valid all-in price seen: a step without one keeps the one before, a new listing starts afresh.
    ['last_p', before('s0.price_cents', 'at_price', `arrayMap(i -> isNotNull(at_price[i]) OR fresh[i], ${IDX})`)],
    // Still (or again) listed: compared with the last time it was seen.
    ['compared', `arrayMap(i -> at_has[i] AND (was[i] OR back[i]), ${IDX})`],
  ],
  [
    [
      'masks',
      `arrayMap(i -> toUInt8(
        bitShiftLeft(toUInt8(fresh[i] AND baseline[i]), ${bit('initial') - 1})
      + bitShiftLeft(toUInt8(fresh[i] AND NOT baseline[i]), ${bit('new') - 1})
      + bitShiftLeft(toUInt8(back[i]), ${bit('returned') - 1})
      + bitShiftLeft(toUInt8(compared[i] AND at_qty[i] < last_q[i]), ${bit('qty_drop') - 1})
      + bitShiftLeft(toUInt8(compared[i] AND at_qty[i] > last_q[i]), ${bit('qty_rise') - 1})
      + bitShiftLeft(toUInt8(compared[i] AND isNotNull(at_price[i]) AND isNotNull(last_p[i])
          AND assumeNotNull(at_price[i]) != assumeNotNull(last_p[i])), ${bit('price_change') - 1})
      + bitShiftLeft(toUInt8(gone[i]), ${bit('removed') - 1})), ${IDX})`,
    ],
  ],
  [
    // (step, kind) of every change, in step order.
    [
      'emitted',
      `arrayFlatten(arrayMap(i -> arrayMap(k -> (i, k), arrayFilter(k -> bitTest(masks[i], k - 1), range(toUInt8(1), toUInt8(${KINDS.length + 1})))), ${IDX}))`,
    ],
  ],
];

const KIND_NAMES = `[${KINDS.map((k) => `'${k}'`).join(', ')}]`;
const is = (kind: (typeof KINDS)[number]) => `k = ${bit(kind)}`;
const fresh = `k <= ${bit('new')}`;

/**
 * One change (step i, kind k): its fields of listing_diff.changes that depend on the rules (views.ts
 * adds the snapshot's own columns).
 */
export const CHANGE = {
  kind: `${KIND_NAMES}[k]`,
  where: `if(${is('removed')}, last_w[i], at_where[i])`,
  quantity_before: `if(${fresh}, toUInt32(0), last_q[i])`,
  quantity: `if(${is('removed')}, toUInt32(0), at_qty[i])`,
  price_before_cents: `if(${fresh}, NULL, last_p[i])`,
  price_cents: `multiIf(${fresh} OR ${is('price_change')}, at_price[i], ${is('removed')}, NULL, ifNull(at_price[i], last_p[i]))`,
  tickets_sold: `toInt32(multiIf(${is('returned')}, -toInt64(removed_sold[i]), ${is('qty_drop')}, toInt64(last_q[i]) - at_qty[i],
    ${is('removed')}, if(near[i], 0, toInt64(last_q[i])), 0))`,
  sale_price_cents: `if(${is('returned')} OR ${is('qty_drop')} OR ${is('removed')}, last_p[i], NULL)`,
  sale_at: `if(${is('returned')}, removed_t[i], ts[i])`,
  removed_at: `if(${is('returned')}, removed_t[i], NULL)`,
  listed_at: `if(${fresh}, ts[i], listed_t[i])`,
  excluded_reason: `if(${is('removed')} AND near[i], 'event_cutoff', '')`,
};

/** The state after the block (written to listing_state when the block changed the listing). */
export const STATE_AFTER = `CAST((true, was[n + 1], last_q[n + 1], last_p[n + 1], last_w[n + 1].1, last_w[n + 1].2,
    last_w[n + 1].3, last_w[n + 1].4, listed_t[n + 1], ts[emitted[-1].1],
    if(was[n + 1], toUInt32(0), removed_sold[n + 1])) AS ${STATE_TYPE})`;
