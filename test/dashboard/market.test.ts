// The dashboard's market-signal cards in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core, as in dashboard.test.ts), against a real embedded ClickHouse seeded with the
// market fixture of the API suites (test/api/market-seed.ts): the sales card (sold per day beside the
// inventory, realized against asking price) and the comparison of events by days to the show draw
// exactly the points the fixture holds, and follow the metric, the index and the events ticked.
// Screenshot in test-artifacts/dashboard-market.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountDashboard } from '../../api/dashboard/index.ts';
import { startApi, type RunningApi } from '../../api/server.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { seedMarket } from '../api/market-seed.ts';
import { apiConfig, openStore } from '../api/seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP_BROWSER = process.env.TWS_SKIP_BROWSER === '1';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard-market.png');
const POLL = { timeout: 20_000, interval: 100 };

let store: Store;
let server: RunningApi;
let base: string;

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seedMarket(store, catalog);
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

describe('market cards over HTTP', () => {
  it('links market.js from the page, served same-origin as JavaScript without HTML injection', async () => {
    const html = await (await fetch(`${base}/`)).text();
    for (const id of ['sales-card', 'chart-sales', 'chart-realized', 'compare-card', 'chart-compare'])
      expect(html).toContain(`data-testid="${id}"`);
    const src = /src="(\/dashboard\/market\.js\?v=[^"]+)"/.exec(html)?.[1];
    expect(src).toBeDefined();
    const res = await fetch(`${base}${src}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await res.text();
    expect(script).not.toMatch(/https?:\/\//);
    expect(script).not.toMatch(/innerHTML/);
  });
});

interface Chart {
  state: string | null;
  points: number;
  series: number;
}

async function chart(page: Page, id: string): Promise<Chart> {
  const c = page.getByTestId(id);
  return {
    state: await c.getAttribute('data-state'),
    points: Number(await c.getAttribute('data-points')),
    series: Number(await c.getAttribute('data-series')),
  };
}

describe.skipIf(SKIP_BROWSER)('market cards in headless Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (or TWS_SKIP_BROWSER=1)`);
    profile = mkdtempSync(join(tmpdir(), 'tws-chromium-market-'));
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

  it('draws sold per day beside inventory, realized against asking, and the events by days to the show', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    // The sources card asks each source for the zone; this fixture's scrapes name none, so those
    // answer 404 (which sources.js expects and the browser logs). Every market call must succeed.
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400 && !/\/price-trend\?.*source=/.test(r.url())) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${base}/?event=mkt-a&zone=Floor&granularity=daily&range=30d`);

    // The fixture's two days of Floor: bars of 2 and 3 sold, inventory 6 then 7 at the day's start.
    await expect.poll(() => chart(page, 'chart-sales'), POLL).toEqual({ state: 'ready', points: 2, series: 2 });
    expect(await page.getByTestId('sales-totals').textContent()).toBe('5 tickets sold · $650.00 inferred revenue');
    await expect.poll(() => chart(page, 'chart-realized'), POLL).toEqual({ state: 'ready', points: 2, series: 2 });
    // mkt-a has 4 days with a Floor get-in price before its show, mkt-b 2: both ticked at first.
    await expect.poll(() => chart(page, 'chart-compare'), POLL).toEqual({ state: 'ready', points: 6, series: 2 });
    expect(await page.getByTestId('compare-event').count()).toBe(2);

    // Indexed to 30 days out: the same points, as an index.
    await page.getByTestId('compare-index-on').check();
    await expect.poll(() => page.getByTestId('chart-compare').getAttribute('data-indexed'), POLL).toBe('true');
    expect(await chart(page, 'chart-compare')).toEqual({ state: 'ready', points: 6, series: 2 });
    // One event only.
    await page.getByTestId('compare-event').nth(1).uncheck();
    await expect.poll(() => chart(page, 'chart-compare'), POLL).toEqual({ state: 'ready', points: 4, series: 1 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.getByTestId('market').screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // Another zone: Upper has one new listing, no sale, an asking price on one day.
    await page.getByTestId('zone-select').selectOption('Upper');
    await expect.poll(() => chart(page, 'chart-sales'), POLL).toEqual({ state: 'ready', points: 2, series: 2 });
    await expect.poll(() => chart(page, 'chart-realized'), POLL).toEqual({ state: 'ready', points: 1, series: 2 });
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });

  it('says so when the zone has nothing in the range', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/?event=mkt-b&zone=Floor&granularity=hourly&range=24h`);
    await expect.poll(() => chart(page, 'chart-sales'), POLL).toEqual({ state: 'empty', points: 0, series: 0 });
    expect(await page.getByTestId('sales-card').textContent()).toContain('No listing changes of this zone');
    await page.close();
  });
});
