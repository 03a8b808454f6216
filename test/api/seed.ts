// Shared fixture of the API suites: a migrated embedded store (one per test file: chDB allows one
// data path per process), a real EventCatalog, and a small hand-checkable data set. Rows go into
// zone_snapshots, and ClickHouse's materialized views fill the hourly/daily rollups, as they do
// when the real consumers write.
import type { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import type { Config } from '../../lib/config.ts';
import { testConfig } from '../helpers/env.ts';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Midnight UTC ten days ago: every seeded window is closed, and inside every TTL. */
export const BASE = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
export const H0 = BASE + 10 * HOUR;
export const H1 = H0 + HOUR;
export const H2 = H0 + 2 * HOUR;
export const D1 = BASE + DAY + 9 * HOUR;
export const iso = (ms: number) => new Date(ms).toISOString();

export const KEY = 'test-key-0123456789abcdef';
export const OTHER_KEY = 'second-key-abcdef0123456789';

export function apiConfig(overrides: Partial<Config['api']> = {}): Config['api'] {
  return {
    host: '127.0.0.1',
    port: 0,
    keys: [KEY, OTHER_KEY],
    readAuth: 'public',
    corsOrigins: [],
    maxRangeDays: 400,
    bodyLimitBytes: 4096,
    rateLimitPerMinute: 100_000,
    sql: { maxExecutionSeconds: 5, maxResultRows: 100, maxMemoryBytes: 256 * 1024 * 1024 },
    ...overrides,
  };
}

export async function openStore(): Promise<Store> {
  const store = await createStore(testConfig().clickhouse);
  await migrate(store);
  return store;
}

interface Scrape {
  event_id: string;
  zone: string;
  at: number;
  lowest: number | null;
  sum: number;
  priced: number;
  tickets: number;
  listings: number;
  highest?: number | null;
  lowest2?: number | null;
  lowest4?: number | null;
}

function zoneRow(s: Scrape, i: number) {
  return {
    event_id: s.event_id,
    scraped_at: chDateTime(s.at),
    snapshot_id: `snap-${s.event_id}-${i}`,
    job_id: 'job-1',
    zone_id: `z-${s.zone.toLowerCase()}`,
    zone: s.zone,
    sections: 3,
    days_to_event: 30,
    lowest_price_cents: s.lowest,
    lowest_base_price_cents: s.lowest === null ? null : Math.round(s.lowest * 0.8),
    average_price_cents: s.priced === 0 ? null : s.sum / s.priced,
    median_price_cents: s.lowest === null ? null : s.lowest + 1000,
    highest_price_cents: s.highest ?? (s.lowest === null ? null : s.lowest * 3),
    lowest_price_2_cents: s.lowest2 ?? null,
    lowest_price_4_cents: s.lowest4 ?? null,
    sum_price_cents: s.sum,
    priced_listings: s.priced,
    total_tickets: s.tickets,
    total_listings: s.listings,
    available: s.tickets > 0,
    outlier_listings: 0,
    rejected_listings: 0,
    kafka_partition: 0,
    kafka_offset: i,
  };
}

/**
 * evt-a (capacity 1000), zone Orchestra:
 *   hour H0: scrapes at :05 (lowest $100, Σ$1500/10 listings, 40 tickets, pair $210) and :35 (lowest $90,
 *            Σ$1200/8, 30 tickets, pair $190, four $400) → min 90, avg 150, open 100, close 90, high 100
 *   hour H1: one scrape, lowest $95, Σ$1000/10, 25 tickets, no pair/four
 *   hour H2: one scrape, no priced listing, 0 tickets
 *   day+1 09:00 (D1): lowest $120, Σ$1300/10, 20 tickets, pair $240
 * evt-a, zone Balcony: H0 lowest $50.00, H1 lowest $50.20 (+0.4%: flat)
 * evt-b (capacity unknown), zone Orchestra: H0 $200, H1 $150 (−25%); zone Promo: H0 $0, H1 $10
 */
export const SCRAPES: Scrape[] = [
  {
    event_id: 'evt-a',
    zone: 'Orchestra',
    at: H0 + 5 * 60_000,
    lowest: 10000,
    sum: 150000,
    priced: 10,
    tickets: 40,
    listings: 10,
    lowest2: 21000,
  },
  {
    event_id: 'evt-a',
    zone: 'Orchestra',
    at: H0 + 35 * 60_000,
    lowest: 9000,
    sum: 120000,
    priced: 8,
    tickets: 30,
    listings: 8,
    lowest2: 19000,
    lowest4: 40000,
  },
  {
    event_id: 'evt-a',
    zone: 'Orchestra',
    at: H1 + 10 * 60_000,
    lowest: 9500,
    sum: 100000,
    priced: 10,
    tickets: 25,
    listings: 10,
  },
  {
    event_id: 'evt-a',
    zone: 'Orchestra',
    at: H2 + 20 * 60_000,
    lowest: null,
    sum: 0,
    priced: 0,
    tickets: 0,
    listings: 0,
  },
  {
    event_id: 'evt-a',
    zone: 'Orchestra',
    at: D1,
    lowest: 12000,
    sum: 130000,
    priced: 10,
    tickets: 20,
    listings: 5,
    lowest2: 24000,
  },
  {
    event_id: 'evt-a',
    zone: 'Balcony',
    at: H0 + 60_000,
    lowest: 5000,
    sum: 50000,
    priced: 10,
    tickets: 50,
    listings: 10,
  },
  {
    event_id: 'evt-a',
    zone: 'Balcony',
    at: H1 + 60_000,
    lowest: 5020,
    sum: 50200,
    priced: 10,
    tickets: 48,
    listings: 10,
  },
  {
    event_id: 'evt-b',
    zone: 'Orchestra',
    at: H0 + 60_000,
    lowest: 20000,
    sum: 200000,
    priced: 10,
    tickets: 10,
    listings: 5,
  },
  {
    event_id: 'evt-b',
    zone: 'Orchestra',
    at: H1 + 60_000,
    lowest: 15000,
    sum: 150000,
    priced: 10,
    tickets: 8,
    listings: 4,
  },
  { event_id: 'evt-b', zone: 'Promo', at: H0 + 60_000, lowest: 0, sum: 0, priced: 1, tickets: 2, listings: 1 },
  { event_id: 'evt-b', zone: 'Promo', at: H1 + 60_000, lowest: 1000, sum: 1000, priced: 1, tickets: 2, listings: 1 },
];

export const JOB_STARTED = Date.now() - 2 * HOUR;

export async function seed(store: Store, catalog: EventCatalog): Promise<void> {
  await catalog.create({
    event_id: 'evt-a',
    source: 'simulated',
    source_event_id: '1001',
    name: 'Hamilton',
    venue: 'Richard Rodgers Theatre',
    timezone: 'America/New_York',
    starts_at: BASE + 40 * DAY,
    capacity: 1000,
  });
  await catalog.create({
    event_id: 'evt-b',
    source: 'simulated',
    source_event_id: '1002',
    name: 'Wicked',
    venue: 'Gershwin Theatre',
    timezone: 'America/New_York',
    starts_at: BASE + 50 * DAY,
    capacity: null,
  });
  await store.insert('zone_snapshots', SCRAPES.map(zoneRow));
  await store.insert('snapshots', [
    {
      snapshot_id: 'snap-evt-a-4',
      event_id: 'evt-a',
      job_id: 'job-1',
      scraped_at: chDateTime(D1),
      zones: 2,
      sections: 6,
      listings: 5,
      rejected_listings: 0,
      outlier_listings: 0,
      kafka_partition: 0,
      kafka_offset: 4,
    },
  ]);
  const job = {
    job_id: 'job-1',
    started_at: chDateTime(JOB_STARTED),
    events_planned: 2,
    events_succeeded: 0,
    events_failed: 0,
    snapshots: 0,
    listings: 0,
    retries: 0,
  };
  await store.insert('scrape_jobs', [{ ...job, status: 'running', finished_at: null, error: null, version: 1 }]);
  await store.insert('scrape_jobs', [
    {
      ...job,
      status: 'partial',
      finished_at: chDateTime(JOB_STARTED + 60_000),
      events_succeeded: 1,
      events_failed: 1,
      snapshots: 1,
      listings: 42,
      retries: 3,
      error: null,
      version: 2,
    },
    {
      job_id: 'job-0',
      status: 'failed',
      started_at: chDateTime(JOB_STARTED - HOUR),
      finished_at: chDateTime(JOB_STARTED - HOUR + 1000),
      events_planned: 2,
      events_succeeded: 0,
      events_failed: 2,
      snapshots: 0,
      listings: 0,
      retries: 6,
      error: 'all events failed',
      version: 2,
    },
  ]);
  const log = (at: number, event_id: string, kind: string, http_status: number | null) => ({
    logged_at: chDateTime(at),
    event_id,
    job_id: 'job-1',
    level: 'ERROR',
    kind,
    message: `${kind} while scraping`,
    stack_trace: 'Error: boom\n    at scrape (producers/worker.ts:1:1)',
    attempts: 3,
    http_status,
  });
  await store.insert('scraper_logs', [
    log(JOB_STARTED + 1000, 'evt-b', 'blocked', 403),
    log(JOB_STARTED + 2000, 'evt-a', 'timeout', null),
    log(JOB_STARTED - 3 * DAY, 'evt-a', 'http', 500),
  ]);
}
