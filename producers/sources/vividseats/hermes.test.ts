import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHermes, parseSplits } from './hermes.ts';
import { SourceError } from '../source.ts';

// Shaped like a real /hermes/api/v1/listings answer: strings everywhere, fields we do not read.
const payload = () => ({
  global: [{ listingCount: '4', lowestAip: '96.10', averageAip: '180.00', medianAip: '150.00' }],
  groups: [
    { i: '101', n: 'Floor', extra: { color: '#fff' } },
    { i: '102', n: 'Lower Level' },
    { i: '103', n: 'Balcony' },
  ],
  tickets: [
    { i: 'L1', c: '102', s: '112', r: '7', q: '4', p: '120.50', aip: '150.63', m: '2,4', d: 'Mobile', tId: 9 },
    { i: 'L2', c: '101', s: 'Floor A', r: 'C', q: '2', p: '300', aip: '375.00', m: '2' },
    { i: 'L3', c: '102', s: '110', r: '1', q: '1', p: '80.10', aip: '96.10' },
    { i: 'L4', c: '102', s: '112', r: '9', q: 6, p: 99.999, aip: 125, m: '' },
  ],
});

describe('parseHermes', () => {
  it('maps a realistic payload onto zones, sections and listings, in cents', () => {
    const { zones, rejected } = parseHermes(payload());
    expect(rejected).toEqual([]);
    expect(zones.map((z) => [z.zone_id, z.name, z.sections.map((s) => s.name)])).toEqual([
      ['101', 'Floor', ['Floor A']],
      ['102', 'Lower Level', ['112', '110']],
      ['103', 'Balcony', []],
    ]);
    expect(zones[1]!.sections[0]!.listings).toEqual([
      { listing_id: 'L1', row: '7', quantity: 4, base_price_cents: 12050, all_in_price_cents: 15063, splits: [2, 4] },
      { listing_id: 'L4', row: '9', quantity: 6, base_price_cents: 10000, all_in_price_cents: 12500, splits: null },
    ]);
    expect(zones[0]!.sections[0]!.listings[0]).toMatchObject({ base_price_cents: 30000, splits: [2] });
  });

  it('keeps zones that have no tickets, and adds zones only tickets mention', () => {
    const body = payload();
    body.tickets.push({ i: 'L9', c: '999', s: 'GA', r: '', q: '2', p: '40', aip: '50' });
    const { zones } = parseHermes(body);
    expect(zones.map((z) => [z.zone_id, z.name, z.sections.length])).toEqual([
      ['101', 'Floor', 1],
      ['102', 'Lower Level', 2],
      ['103', 'Balcony', 0],
      ['999', 'Zone 999', 1],
    ]);
  });

  it('keeps one price when the other is absent, and non-positive prices as they are', () => {
    const { zones, rejected } = parseHermes({
      groups: [{ i: '1', n: 'Floor' }],
      tickets: [
        { i: 'a', c: '1', s: 'A', q: '1', aip: '10.00' },
        { i: 'b', c: '1', s: 'A', q: '1', p: '0' },
        { i: 'c', c: '1', s: 'A', q: '1', p: '-5.5', aip: 'n/a' },
      ],
    });
    expect(rejected).toEqual([]);
    expect(zones[0]!.sections[0]!.listings.map((l) => [l.base_price_cents, l.all_in_price_cents, l.row])).toEqual([
      [null, 1000, ''],
      [0, null, ''],
      [-550, null, ''],
    ]);
  });

  it('rejects malformed items with a counted reason and keeps the rest', () => {
    const body = payload();
    const bad: unknown[] = [
      'not a ticket',
      null,
      [1, 2],
      { c: '101', s: 'A', q: '1', p: '10' },
      { i: '  ', c: '101', s: 'A', q: '1', p: '10' },
      { i: 'x1', s: 'A', q: '1', p: '10' },
      { i: 'x2', c: '101', s: 'A', q: '0', p: '10' },
      { i: 'x3', c: '101', s: 'A', q: '1.5', p: '10' },
      { i: 'x4', c: '101', s: 'A', p: '10' },
      { i: 'x5', c: '101', s: 'A', q: 'two', p: '10' },
      { i: 'x6', c: '101', s: 'A', q: '2' },
      { i: 'x7', c: '101', s: 'A', q: '2', p: '', aip: 'free' },
    ];
    const { zones, rejected } = parseHermes({ ...body, tickets: [...body.tickets, ...bad] });
    expect(Object.fromEntries(rejected.map((r) => [r.reason, r.count]))).toEqual({
      not_an_object: 3,
      missing_id: 2,
      missing_zone: 1,
      bad_quantity: 4,
      missing_price: 2,
    });
    const kept = zones.flatMap((z) => z.sections.flatMap((s) => s.listings.map((l) => l.listing_id)));
    expect(kept.sort()).toEqual(['L1', 'L2', 'L3', 'L4']);
  });

  it('reads a body without tickets as zero listings, and a null one too', () => {
    expect(parseHermes({ groups: [{ i: '1', n: 'Floor' }] })).toEqual({
      zones: [{ zone_id: '1', name: 'Floor', sections: [] }],
      rejected: [],
      expectedListings: null,
    });
    expect(parseHermes({ tickets: null })).toEqual({ zones: [], rejected: [], expectedListings: null });
  });

  it('reads the announced listing count from global[0].listingCount, and nothing unreadable', () => {
    const count = (global: unknown) => parseHermes({ global, tickets: [] }).expectedListings;
    expect(count([{ listingCount: '12' }])).toBe(12);
    expect(count([{ listingCount: 0 }])).toBe(0);
    for (const bad of [
      undefined,
      null,
      [],
      [{}],
      [{ listingCount: 'many' }],
      [{ listingCount: -1 }],
      [{ listingCount: '2.5' }],
      {},
    ])
      expect(count(bad), JSON.stringify(bad)).toBeNull();
  });

  it('throws a parse SourceError for a body that is not an object, or tickets that are not a list', () => {
    for (const body of [null, 'html', 42, [], [{ i: '1' }], { tickets: {} }, { tickets: 'none' }]) {
      let caught: unknown;
      try {
        parseHermes(body);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SourceError);
      expect((caught as SourceError).kind).toBe('parse');
      expect((caught as SourceError).retriable).toBe(false);
    }
  });
});

describe('parseSplits', () => {
  it('reads comma lists, numbers and arrays, and drops what is not a positive integer', () => {
    expect(parseSplits('2,4')).toEqual([2, 4]);
    expect(parseSplits(' 1, 2 ,x, 0,-1,2.5,4 ')).toEqual([1, 2, 4]);
    expect(parseSplits(4)).toEqual([4]);
    expect(parseSplits(['2', 4])).toEqual([2, 4]);
    for (const none of [undefined, null, '', ',', 'x,y', {}, true]) expect(parseSplits(none)).toBeNull();
  });
});

// ---- property: whatever arrives, the parser answers or throws SourceError, and what it returns fits the contract.

const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom('', ' ', '12.5', '-3', '1e400', 'NaN', 'Infinity', '0x10', '2,4', '3.0', '9999999999'),
  fc.constant(null),
  fc.boolean(),
);
const ticket = fc.record(
  {
    i: fc.oneof(fc.string(), fc.integer()),
    c: fc.constantFrom('1', '2', '3'),
    s: fc.string(),
    r: fc.string(),
    q: fc.oneof(fc.integer({ min: 1, max: 8 }).map(String), fc.integer({ min: 1, max: 8 })),
    p: fc.double({ min: 0, max: 5000, noNaN: true }).map((n) => n.toFixed(2)),
    aip: fc.double({ min: 0, max: 5000, noNaN: true }).map((n) => n.toFixed(2)),
    m: fc.constantFrom('2,4', '4', '1,2,3'),
  },
  { requiredKeys: [] },
);
const validBody = fc.record({
  global: fc.constant([{ listingCount: '1' }]),
  groups: fc.constant([
    { i: '1', n: 'Floor' },
    { i: '2', n: 'Upper' },
  ]),
  tickets: fc.array(ticket, { maxLength: 8 }),
});
// A valid body with some ticket fields (or whole tickets, or the top-level fields) replaced by junk.
const mutatedBody = fc
  .tuple(
    validBody,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('i', 'c', 's', 'r', 'q', 'p', 'aip', 'm', '*'),
        fc.oneof(scalar, fc.anything()),
      ),
    ),
    fc.option(fc.constantFrom('groups', 'tickets', 'global')),
    fc.anything(),
  )
  .map(([body, edits, topKey, junk]) => {
    const tickets: unknown[] = body.tickets.map((t) => ({ ...t }));
    for (const [n, key, value] of edits) {
      if (tickets.length === 0) break;
      const at = n % tickets.length;
      if (key === '*') tickets[at] = value;
      else if (typeof tickets[at] === 'object' && tickets[at] !== null)
        (tickets[at] as Record<string, unknown>)[key] = value;
    }
    const out: Record<string, unknown> = { ...body, tickets };
    if (topKey) out[topKey] = junk;
    return out;
  });

function checkParse(input: unknown): void {
  let parsed;
  try {
    parsed = parseHermes(input);
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('parse');
    return;
  }
  const int32 = (n: number) => Number.isInteger(n) && n >= 1 && n <= 2 ** 31 - 1;
  const cents = (n: number | null) => n === null || Number.isSafeInteger(n);
  for (const z of parsed.zones) {
    expect(typeof z.zone_id).toBe('string');
    for (const s of z.sections) {
      for (const l of s.listings) {
        expect(l.listing_id.trim()).not.toBe('');
        expect(int32(l.quantity)).toBe(true);
        expect(cents(l.base_price_cents) && cents(l.all_in_price_cents)).toBe(true);
        expect(l.base_price_cents !== null || l.all_in_price_cents !== null).toBe(true);
        expect(l.splits === null || (l.splits.length > 0 && l.splits.every(int32))).toBe(true);
      }
    }
  }
  for (const r of parsed.rejected) expect(int32(r.count)).toBe(true);
}

describe('parseHermes, property', () => {
  it('never throws anything but a parse SourceError, and returns only well-formed listings', () => {
    fc.assert(fc.property(fc.anything(), checkParse), { numRuns: 500 });
    fc.assert(
      fc.property(fc.json(), (text) => checkParse(JSON.parse(text))),
      { numRuns: 500 },
    );
    fc.assert(fc.property(mutatedBody, checkParse), { numRuns: 1000 });
  });

  it('counts every ticket exactly once: kept or rejected', () => {
    fc.assert(
      fc.property(mutatedBody, (body) => {
        const tickets = body.tickets;
        if (!Array.isArray(tickets)) return;
        const { zones, rejected } = parseHermes(body);
        const kept = zones.reduce((n, z) => n + z.sections.reduce((m, s) => m + s.listings.length, 0), 0);
        expect(kept + rejected.reduce((n, r) => n + r.count, 0)).toBe(tickets.length);
      }),
      { numRuns: 500 },
    );
  });
});
