// A section rule's observation on an event with several sources, in the real engine: for each
// source, the zone's sections in its latest scrape up to the record (at most
// TWS_ALL_SOURCES_MAX_AGE_SECONDS old); the lowest prices over the sources, tickets and listings
// summed. Worked out by hand below. An event on one source reads exactly its own scrape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SectionReader } from '../../consumers/alerts/sections.ts';
import type { ZoneMetricsRecord } from '../../consumers/alerts/observation.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { testConfig } from '../helpers/env.ts';

const T = Date.UTC(2026, 10, 1, 12);
const MIN = 60_000;
let store: Store;
let offset = 0;

type Sections = Array<[string, number, number]>;

/** One scrape of `source`: its `snapshots` row and a section row per [section, lowest, tickets]. */
async function scrape(id: string, source: string, at: number, zone: string, sections: Sections) {
  const lineage = { kafka_partition: 0, kafka_offset: offset++ };
  await snapshotRow(id, source, at, sections.length, lineage);
  await sectionRows(id, source, at, zone, sections, lineage);
}

type Lineage = { kafka_partition: number; kafka_offset: number };

async function snapshotRow(id: string, source: string, at: number, sections: number, lineage: Lineage) {
  await store.insert('snapshots', [
    {
      snapshot_id: id,
      event_id: 'evt',
      source,
      job_id: 'j',
      scraped_at: chDateTime(at),
      zones: 1,
      sections,
      listings: 0,
      rejected_listings: 0,
      outlier_listings: 0,
      ...lineage,
    },
  ]);
}

async function sectionRows(id: string, source: string, at: number, zone: string, sections: Sections, lineage: Lineage) {
  if (sections.length === 0) return;
  await store.insert(
    'section_snapshots',
    sections.map(([section, lowest, tickets]) => ({
      event_id: 'evt',
      source,
      scraped_at: chDateTime(at),
      snapshot_id: id,
      job_id: 'j',
      zone_id: `${source}-z`,
      zone,
      section,
      days_to_event: null,
      lowest_price_cents: lowest,
      lowest_base_price_cents: lowest,
      average_price_cents: lowest,
      median_price_cents: lowest,
      highest_price_cents: lowest,
      lowest_price_2_cents: 2 * lowest,
      lowest_price_4_cents: null,
      sum_price_cents: lowest,
      priced_listings: 1,
      total_tickets: tickets,
      total_listings: 1,
      available: tickets > 0,
      outlier_listings: 0,
      rejected_listings: 0,
      ...lineage,
    })),
  );
}

const record = (snapshot_id: string, at: number, zone = 'Floor'): ZoneMetricsRecord =>
  ({ event_id: 'evt', snapshot_id, scraped_at: at, zone_id: 'any', zone, sections: 1 }) as ZoneMetricsRecord;

const summary = (m: Awaited<ReturnType<SectionReader['sectionsOf']>>) =>
  Object.fromEntries(
    [...(m ?? new Map())].map(([s, o]) => [s, [o.lowest_price_cents, o.lowest_price_2_cents, o.tickets, o.listings]]),
  );

beforeAll(async () => {
  store = await createStore(testConfig().clickhouse);
  await migrate(store);
  // Source A: an old scrape (superseded), then its latest at T - 10 min.
  await scrape('a-old', 'a', T - 30 * MIN, 'Floor', [
    ['101', 5_000, 9],
    ['103', 1_000, 2],
  ]);
  await scrape('a-new', 'a', T - 10 * MIN, 'Floor', [
    ['101', 9_000, 4],
    ['102', 7_000, 2],
  ]);
  // Source B: the record's own scrape at T; a later one (after the record) must not count.
  await scrape('b-now', 'b', T, 'Floor', [['101', 8_000, 6]]);
  await scrape('b-later', 'b', T + 5 * MIN, 'Floor', [['101', 100, 50]]);
  // Source C: too old (over an hour before the record).
  await scrape('c-stale', 'c', T - 2 * 60 * MIN, 'Floor', [['101', 50, 1]]);
  // Source D: its latest scrape lists nothing in the zone (an older one did).
  await scrape('d-old', 'd', T - 40 * MIN, 'Floor', [['104', 3_000, 2]]);
  await scrape('d-new', 'd', T - 5 * MIN, 'Floor', []);
}, 60_000);

afterAll(async () => {
  await store?.close();
});

describe('SectionReader over several sources', () => {
  it("combines each source's latest scrape up to the record: lowest prices over sources, tickets summed", async () => {
    const got = await new SectionReader(store, 3_600).sectionsOf(record('b-now', T));
    expect(summary(got)).toEqual({
      // a-new 9,000 × 4 and b-now 8,000 × 6; not a-old, b-later, c-stale.
      '101': [8_000, 16_000, 10, 2],
      '102': [7_000, 14_000, 2, 1],
      // 103 only in a-old and 104 only in d-old: superseded scrapes.
    });
    expect(got!.get('101')).toMatchObject({ snapshot_id: 'b-now', zone: 'Floor', section: '101', at: T });
  });

  it('a shorter max age leaves out the older source', async () => {
    const got = await new SectionReader(store, 5 * 60).sectionsOf(record('b-now', T));
    expect(summary(got)).toEqual({ '101': [8_000, 16_000, 6, 1] });
  });

  it('matches the zone by name, and a zone no source lists now has no sections', async () => {
    expect(summary(await new SectionReader(store, 3_600).sectionsOf(record('b-now', T, 'Balcony')))).toEqual({});
  });

  it("waits for the own scrape's section rows when its snapshots row shows first (a replica fetches them apart)", async () => {
    const at = T + 24 * 60 * MIN; // a day later: no other source's scrape is in its window
    const lineage = { kafka_partition: 0, kafka_offset: offset++ };
    await snapshotRow('e-now', 'e', at, 1, lineage);
    const reading = new SectionReader(store, 3_600, 10_000, 50).sectionsOf(record('e-now', at));
    await new Promise((r) => setTimeout(r, 300));
    await sectionRows('e-now', 'e', at, 'Floor', [['101', 4_200, 3]], lineage);
    expect(summary(await reading)).toEqual({ '101': [4_200, 8_400, 3, 1] });
  });

  it("gives up (null) when the record's own scrape never shows", async () => {
    const reader = new SectionReader(store, 3_600, 300, 50);
    expect(await reader.sectionsOf(record('missing', T))).toBeNull();
  });
});
