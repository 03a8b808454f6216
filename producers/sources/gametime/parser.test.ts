import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../source.ts';
import { parseGametime, parseLots, parseSeats } from './parser.ts';

// A /v1/listings answer as open-source scrapers record it: cents, lots, seats, section_group, and
// fields we do not read (event, spot, delivery_type, meta).
const fixture = () =>
  JSON.parse(readFileSync(new URL('./fixtures/listings.json', import.meta.url), 'utf8')) as {
    listings: unknown[];
  } & Record<string, unknown>;

const parseError = (body: unknown): SourceError => {
  try {
    parseGametime(body);
  } catch (err) {
    return err as SourceError;
  }
  throw new Error(`parsed: ${JSON.stringify(body)}`);
};

describe('parseGametime', () => {
  it('maps the fixture onto zones (section_group), sections and listings, prices already in cents', () => {
    const { zones, rejected } = parseGametime(fixture());
    expect(rejected).toEqual([]);
    expect(zones.map((z) => [z.zone_id, z.name, z.sections.map((s) => s.name)])).toEqual([
      ['Lower Level', 'Lower Level', ['112', '110']],
      ['Floor', 'Floor', ['Floor A']],
    ]);
    expect(zones[0]!.sections[0]!.listings).toEqual([
      {
        listing_id: 'gt-a1',
        row: '7',
        quantity: 4,
        base_price_cents: 12050,
        all_in_price_cents: 15063,
        splits: [2, 4],
        seats: ['5', '6', '7', '8'],
      },
      // Numbers as ids and rows, sections and groups as objects with a name, lots as text, a
      // fraction of a cent rounded, no seats disclosed: the quantity is the largest lot.
      {
        listing_id: '4401',
        row: '9',
        quantity: 6,
        base_price_cents: 10000,
        all_in_price_cents: 12500,
        splits: [2, 4, 6],
        seats: null,
      },
    ]);
    // Strings for cents; an empty seat list is "not disclosed".
    expect(zones[0]!.sections[1]!.listings[0]).toMatchObject({
      listing_id: 'gt-a3',
      quantity: 1,
      base_price_cents: 8010,
      all_in_price_cents: 9610,
      seats: null,
    });
    expect(zones[1]!.sections[0]!.listings[0]).toMatchObject({ quantity: 2, splits: [2], seats: ['11', '12'] });
  });

  it('keeps one price when the other is absent, and non-positive prices as they are (the consumer rejects them)', () => {
    const { zones, rejected } = parseGametime({
      listings: [
        { id: 'a', section_group: 'Floor', section: 'A', lots: [1], price: { total: 1000 } },
        { id: 'b', section_group: 'Floor', section: 'A', lots: [1], price: { prefee: '0' } },
        { id: 'c', section_group: 'Floor', section: 'A', lots: [1], price: { prefee: -550, total: 'n/a' } },
      ],
    });
    expect(rejected).toEqual([]);
    expect(zones[0]!.sections[0]!.listings.map((l) => [l.base_price_cents, l.all_in_price_cents, l.row])).toEqual([
      [null, 1000, ''],
      [0, null, ''],
      [-550, null, ''],
    ]);
  });

  it('rejects malformed listings with a counted reason and keeps the rest', () => {
    const body = fixture();
    const bad: unknown[] = [
      'not a listing',
      null,
      [1, 2],
      { section_group: 'Floor', lots: [1], price: { total: 1000 } },
      { id: '  ', section_group: 'Floor', lots: [1], price: { total: 1000 } },
      { id: 'x1', lots: [1], price: { total: 1000 } },
      { id: 'x2', section_group: { id: 9 }, lots: [1], price: { total: 1000 } },
      // zero, negative, fractional, unreadable and missing quantities
      { id: 'x3', section_group: 'Floor', lots: [0], price: { total: 1000 } },
      { id: 'x4', section_group: 'Floor', lots: [-2], seats: [], price: { total: 1000 } },
      { id: 'x5', section_group: 'Floor', lots: [1.5], price: { total: 1000 } },
      { id: 'x6', section_group: 'Floor', lots: 'two', price: { total: 1000 } },
      { id: 'x7', section_group: 'Floor', price: { total: 1000 } },
      // missing prices
      { id: 'x8', section_group: 'Floor', lots: [2] },
      { id: 'x9', section_group: 'Floor', lots: [2], price: { prefee: '', total: 'free' } },
      { id: 'x10', section_group: 'Floor', lots: [2], price: 15000 },
    ];
    const { zones, rejected } = parseGametime({ ...body, listings: [...body.listings, ...bad] });
    expect(Object.fromEntries(rejected.map((r) => [r.reason, r.count]))).toEqual({
      not_an_object: 3,
      missing_id: 2,
      missing_zone: 2,
      bad_quantity: 5,
      missing_price: 3,
    });
    const kept = zones.flatMap((z) => z.sections.flatMap((s) => s.listings.map((l) => l.listing_id)));
    expect(kept.sort()).toEqual(['4401', 'gt-a1', 'gt-a2', 'gt-a3']);
  });

  it('reads a body without listings as zero listings, and a null list too', () => {
    expect(parseGametime({ event: {} })).toEqual({ zones: [], rejected: [], expectedListings: null });
    expect(parseGametime({ listings: null })).toEqual({ zones: [], rejected: [], expectedListings: null });
  });

  it('reads the announced count (meta.count) when it is a whole number, as text too; null otherwise', () => {
    const count = (meta: unknown) => parseGametime({ listings: [], meta }).expectedListings;
    expect(count({ count: 12 })).toBe(12);
    expect(count({ count: '7' })).toBe(7);
    expect(count({ count: 0 })).toBe(0);
    for (const bad of [undefined, null, {}, { count: -1 }, { count: 2.5 }, { count: 'many' }, { count: 2 ** 31 }, 5])
      expect(count(bad)).toBeNull();
  });

  it('throws a parse SourceError for a body that is not an object, or listings that are not a list', () => {
    for (const body of [null, '<html>', 42, [], [{ id: '1' }], { listings: {} }, { listings: 'none' }]) {
      const err = parseError(body);
      expect(err).toBeInstanceOf(SourceError);
      expect(err.kind).toBe('parse');
      expect(err.retriable).toBe(false);
    }
  });
});

describe('parseLots and parseSeats', () => {
  it('read lists, comma text and numbers, sorted and distinct, dropping what is not a positive integer', () => {
    expect(parseLots([4, 2, '2'])).toEqual([2, 4]);
    expect(parseLots(' 1, 2 ,x, 0,-1,2.5,4 ')).toEqual([1, 2, 4]);
    expect(parseLots(4)).toEqual([4]);
    for (const none of [undefined, null, '', [], [0], ['x'], {}, true]) expect(parseLots(none)).toBeNull();
    expect(parseSeats(['1', 2, ' ', null, '3A'])).toEqual(['1', '2', '3A']);
    expect(parseSeats('1,2')).toEqual([]);
  });
});

// ---- property: whatever arrives, the parser answers or throws SourceError, and what it returns fits the contract.

const listing = fc.record(
  {
    id: fc.oneof(fc.string(), fc.integer()),
    section_group: fc.constantFrom('Floor', 'Lower Level', { name: 'Upper' }),
    section: fc.string(),
    row: fc.string(),
    seats: fc.array(fc.oneof(fc.integer({ min: 1, max: 30 }).map(String), fc.anything()), { maxLength: 6 }),
    lots: fc.oneof(fc.array(fc.integer({ min: -2, max: 8 }), { maxLength: 4 }), fc.string()),
    price: fc.record({ prefee: fc.oneof(fc.integer(), fc.string()), total: fc.oneof(fc.integer(), fc.string()) }),
  },
  { requiredKeys: [] },
);

function checkParse(input: unknown): void {
  let parsed;
  try {
    parsed = parseGametime(input);
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('parse');
    return;
  }
  const int32 = (n: number) => Number.isInteger(n) && n >= 1 && n <= 2 ** 31 - 1;
  const cents = (n: number | null) => n === null || Number.isSafeInteger(n);
  for (const z of parsed.zones)
    for (const s of z.sections)
      for (const l of s.listings) {
        expect(l.listing_id.trim()).not.toBe('');
        expect(int32(l.quantity)).toBe(true);
        expect(cents(l.base_price_cents) && cents(l.all_in_price_cents)).toBe(true);
        expect(l.base_price_cents !== null || l.all_in_price_cents !== null).toBe(true);
        expect(l.splits === null || (l.splits.length > 0 && l.splits.every(int32))).toBe(true);
        expect(l.seats === null || (l.seats!.length > 0 && l.seats!.every((x) => typeof x === 'string'))).toBe(true);
      }
}

describe('parseGametime, property', () => {
  it('never throws anything but a parse SourceError, and returns only well-formed listings', () => {
    fc.assert(fc.property(fc.anything(), checkParse), { numRuns: 500 });
    fc.assert(
      fc.property(fc.json(), (text) => checkParse(JSON.parse(text))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(listing, fc.anything()), { maxLength: 10 }), (ls) => checkParse({ listings: ls })),
      { numRuns: 500 },
    );
  });

  it('counts every listing exactly once: kept or rejected', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(listing, fc.anything()), { maxLength: 10 }), (ls) => {
        const { zones, rejected } = parseGametime({ listings: ls });
        const kept = zones.reduce((n, z) => n + z.sections.reduce((m, s) => m + s.listings.length, 0), 0);
        expect(kept + rejected.reduce((n, r) => n + r.count, 0)).toBe(ls.length);
      }),
      { numRuns: 500 },
    );
  });
});
