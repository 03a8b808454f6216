// The dashboard's source picker and "Sources side by side" card in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core, as in dashboard.test.ts), against a real embedded
// ClickHouse holding one event on two marketplaces: each source's zone rows for the last 24 hours,
// and the all-sources rows. The card draws one line per source plus all sources, its table marks
// the cheapest source of the zone, and picking a source redraws the charts from that source's rows.
// Screenshot in test-artifacts/dashboard-sources.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountDashboard } from '../../api/dashboard/index.ts';
import { startApi, type RunningApi } from '../../api/server.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { DAY, HOUR, apiConfig, openStore } from '../api/seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP_BROWSER = process.env.TWS_SKIP_BROWSER === '1';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard-sources.png');
const POLL = { timeout: 20_000, interval: 100 };
const EVENT = 'evt-two';
/** Hours of data: Vivid Seats every hour, Gametime every other hour, over the last 20 hours. */
const HOURS = 20;

let store: Store;
let server: RunningApi;
let base: string;

function zoneRow(source: string, at: number, zone: string, lowest: number, tickets: number, offset: number) {
  return {
    event_id: EVENT,
    source,
    scraped_at: chDateTime(at),
    snapshot_id: `snap-${source}-${offset}`,
    job_id: 'job-1',
    zone_id: `${source}-${zone}`,
    zone,
    sections: 2,
    days_to_event: 10,
    lowest_price_cents: lowest,
    lowest_base_price_cents: lowest - 1_500,
    average_price_cents: lowest * 1.4,
    median_price_cents: lowest + 2_000,
    highest_price_cents: lowest * 3,
    lowest_price_2_cents: lowest * 2,
    lowest_price_4_cents: null,
    sum_price_cents: lowest * 14,
    priced_listings: 10,
    total_tickets: tickets,
    total_listings: 10,
    available: true,
    outlier_listings: 0,
    rejected_listings: 0,
    kafka_partition: 0,
    kafka_offset: offset,
  };
}

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  await catalog.create({
    event_id: EVENT,
    sources: [
      { source: 'vividseats', source_event_id: '5000001' },
      { source: 'gametime', source_event_id: 'gt-5000001' },
    ],
    name: 'Two Marketplaces Live',
    venue: 'Harborview Arena',
    timezone: 'America/New_York',
    starts_at: now + 10 * DAY,
    capacity: 19_500,
  });
  const vivid = [];
  const gametime = [];
  const all = [];
  let offset = 0;
  for (let h = HOURS; h >= 1; h--) {
    const at = now - h * HOUR + 10 * 60_000;
    const v = zoneRow('vividseats', at, 'Floor', 20_000 + h * 100, 200, offset++);
    const balcony = zoneRow('vividseats', at, 'Balcony', 6_000, 300, v.kafka_offset);
    vivid.push(v, balcony);
    all.push(balcony);
    if (h % 2 === 0) {
      const g = zoneRow('gametime', at + 60_000, 'Floor', 19_000 + h * 120, 150, offset++);
      gametime.push(g);
      all.push({ ...g, lowest_price_cents: Math.min(g.lowest_price_cents, v.lowest_price_cents), total_tickets: 310 });
    } else all.push({ ...v, total_tickets: 310 });
  }
  await store.insert('zone_snapshots', [...vivid, ...gametime]);
  await store.insert('zone_snapshots_all_sources', all);
  await store.insert(
    'snapshots',
    [...vivid, ...gametime].map((r) => ({
      snapshot_id: r.snapshot_id,
      event_id: EVENT,
      source: r.source,
      job_id: 'job-1',
      scraped_at: r.scraped_at,
      zones: 1,
      sections: 2,
      listings: 10,
      rejected_listings: 0,
      outlier_listings: 0,
      kafka_partition: 0,
      kafka_offset: r.kafka_offset,
    })),
  );
  server = await startApi(createApp({ store, config: apiConfig(), catalog, dashboard: mountDashboard }), {
    host: '127.0.0.1',
    port: 0,
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

// Attributes, not the DOM: the project has no DOM types.
async function card(page: Page) {
  const c = page.getByTestId('chart-sources');
  return {
    state: await c.getAttribute('data-state'),
    points: Number(await c.getAttribute('data-points')),
    series: Number(await c.getAttribute('data-series')),
  };
}
async function pricePoints(page: Page) {
  const c = page.getByTestId('chart-price');
  return { state: await c.getAttribute('data-state'), points: await c.getAttribute('data-points') };
}

describe('dashboard sources in Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (SKIP_BROWSER) return;
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or TWS_SKIP_BROWSER=1 to skip)`);
    profile = mkdtempSync(join(tmpdir(), 'tws-chromium-sources-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1280, height: 1400 },
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it.skipIf(SKIP_BROWSER)(
    'compares the sources, and redraws the charts for the source picked',
    async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/?event=${EVENT}&zone=Floor&range=24h`);

      // One line per source and one for all sources, over every hour either source was scraped.
      await expect.poll(() => card(page), POLL).toEqual({ state: 'ready', points: HOURS, series: 3 });
      await expect.poll(() => pricePoints(page), POLL).toEqual({ state: 'ready', points: String(HOURS) });
      const picker = page.getByTestId('source-select');
      expect(await picker.locator('option').allTextContents()).toEqual(['All sources', 'Vivid Seats', 'Gametime']);
      expect(await picker.inputValue()).toBe('all');

      // The table: each source now, then all sources; Gametime is the cheaper in Floor.
      const rows = page.getByTestId('sources-now').locator('tbody tr');
      await expect.poll(() => rows.count(), POLL).toBe(3);
      expect(await Promise.all([0, 1, 2].map((i) => rows.nth(i).getAttribute('data-source')))).toEqual([
        'vividseats',
        'gametime',
        'all',
      ]);
      const cheapest = page.locator('[data-testid="sources-now"] tr[data-cheapest="true"]');
      expect(await cheapest.getAttribute('data-source')).toBe('gametime');
      expect(await cheapest.textContent()).toContain('cheapest in Floor');
      // Gametime's latest Floor scrape (2 hours ago): $192.40; tickets 150.
      expect(await rows.nth(1).textContent()).toContain('$192.40');

      // Gametime alone: its ten scrapes, its zones only (no Balcony), and the URL says so.
      await picker.selectOption('gametime');
      await expect.poll(() => pricePoints(page), POLL).toEqual({ state: 'ready', points: String(HOURS / 2) });
      expect(new URL(page.url()).searchParams.get('source')).toBe('gametime');
      expect(await page.getByTestId('zone-select').locator('option').allTextContents()).toEqual(['Floor']);

      // Back to all sources: both zones again.
      await picker.selectOption('all');
      await expect
        .poll(() => page.getByTestId('zone-select').locator('option').allTextContents(), POLL)
        .toEqual(['Balcony', 'Floor']);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.getByTestId('sources-card').screenshot({ path: SCREENSHOT });
      expect(errors).toEqual([]);
    },
    90_000,
  );
});
