import { describe, expect, it } from 'vitest';
import type { SourceZoneRow } from '../queries/sources.ts';
import { compareSources } from './compare.ts';

const row = (
  source: string,
  zone: string,
  getIn: number | null,
  tickets: number,
  over: Partial<SourceZoneRow> = {},
) => ({
  source,
  scraped_at_ms: 1_000,
  zone,
  get_in_cents: getIn,
  get_in_2_cents: getIn === null ? null : getIn * 2,
  get_in_4_cents: null,
  tickets,
  listings: tickets / 2,
  duplicate_listings: 0,
  ...over,
});

describe('compareSources', () => {
  const sources = [
    { source: 'vividseats', source_event_id: '5000001' },
    { source: 'gametime', source_event_id: 'abc' },
    { source: 'stubhub', source_event_id: 'x' },
  ];

  it("sums each source's zones now, lists a source without a snapshot with nulls, and all sources last", () => {
    const out = compareSources(sources, [
      row('vividseats', 'Floor', 20_000, 10, { scraped_at_ms: 2_000 }),
      row('vividseats', 'Upper', 9_000, 30),
      row('gametime', 'Floor', 19_500, 8, { get_in_4_cents: 80_000 }),
      row('all', 'Floor', 19_500, 14, { duplicate_listings: 2 }),
      row('all', 'Upper', 9_000, 30),
    ]);
    expect(out.sources).toEqual([
      {
        source: 'vividseats',
        source_event_id: '5000001',
        scraped_at_ms: 2_000,
        get_in_cents: 9_000,
        get_in_2_cents: 18_000,
        get_in_4_cents: null,
        tickets: 40,
        listings: 20,
        duplicate_listings: 0,
      },
      {
        source: 'gametime',
        source_event_id: 'abc',
        scraped_at_ms: 1_000,
        get_in_cents: 19_500,
        get_in_2_cents: 39_000,
        get_in_4_cents: 80_000,
        tickets: 8,
        listings: 4,
        duplicate_listings: 0,
      },
      {
        source: 'stubhub',
        source_event_id: 'x',
        scraped_at_ms: null,
        get_in_cents: null,
        get_in_2_cents: null,
        get_in_4_cents: null,
        tickets: 0,
        listings: 0,
        duplicate_listings: 0,
      },
      expect.objectContaining({
        source: 'all',
        source_event_id: null,
        get_in_cents: 9_000,
        tickets: 44,
        duplicate_listings: 2,
      }),
    ]);
  });

  it('names the cheapest source per zone, by name on a tie, never `all`, and null without a price', () => {
    const { zones } = compareSources(sources, [
      row('vividseats', 'Floor', 20_000, 10),
      row('gametime', 'Floor', 19_500, 8),
      row('all', 'Floor', 19_500, 14),
      row('vividseats', 'Pit', 5_000, 2),
      row('gametime', 'Pit', 5_000, 2),
      row('gametime', 'Box', null, 0),
      row('nowhere', 'Ghost', 1, 1),
    ]);
    expect(zones.map((z) => [z.zone, z.cheapest_source, z.sources.map((s) => s.source)])).toEqual([
      ['Box', null, ['gametime']],
      ['Floor', 'gametime', ['vividseats', 'gametime', 'all']],
      ['Pit', 'gametime', ['vividseats', 'gametime']],
    ]);
  });
});
