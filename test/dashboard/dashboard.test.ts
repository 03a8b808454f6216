// The dashboard served by the API (api/dashboard), on a real embedded ClickHouse seeded like the API
// suites (test/api/seed.ts) plus one busy event of its own (a week of half-hourly scrapes), so the
// screenshot shows charts with real density. First plain HTTP checks of the page and its assets,
// then the page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).
//
// Without /usr/bin/chromium the browser tests fail and say how to install it; TWS_SKIP_BROWSER=1
// skips them instead.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { ASSET_MAX_AGE_SECONDS, mountDashboard } from '../../api/dashboard/index.ts';
import { startApi, type RunningApi } from '../../api/server.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { DAY, HOUR, KEY, apiConfig, openStore, seed } from '../api/seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SKIP_BROWSER = process.env.TWS_SKIP_BROWSER === '1';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard.png');
const CHARTS = ['price', 'group', 'inventory', 'candles'] as const;

let store: Store;
let server: RunningApi;
let keyServer: RunningApi;
let base: string;

/** A busy event: zone Orchestra scraped twice an hour over the last 7 days, prices drifting up. */
async function seedBusyEvent(catalog: EventCatalog): Promise<void> {
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  await catalog.create({
    event_id: 'evt-busy',
    source: 'simulated',
    source_event_id: '1003',
    name: 'The Phantom of the Opera',
    venue: 'Majestic Theatre',
    timezone: 'America/New_York',
    starts_at: now + 20 * DAY,
    capacity: 1600,
  });
  const rows = [];
  for (let h = 7 * 24; h >= 1; h--) {
    for (const [k, minute] of [20, 50].entries()) {
      const i = h * 2 + k;
      const at = now - h * HOUR + minute * 60_000;
      const lowest = Math.round(15_000 + 2_500 * Math.sin(i / 9) + 1_200 * Math.cos(i / 3.7) + (168 - h) * 25);
      const priced = 40 + (i % 7);
      const tickets = Math.round(900 - (168 - h) * 3 + 25 * Math.sin(i / 5));
      rows.push({
        event_id: 'evt-busy',
        scraped_at: chDateTime(at),
        snapshot_id: `snap-busy-${i}`,
        job_id: 'job-busy',
        zone_id: 'z-orchestra',
        zone: 'Orchestra',
        sections: 4,
        days_to_event: 20 + Math.floor(h / 24),
        lowest_price_cents: lowest,
        lowest_base_price_cents: Math.round(lowest * 0.8),
        average_price_cents: lowest * 1.7,
        median_price_cents: Math.round(lowest * 1.5),
        highest_price_cents: lowest * 4,
        lowest_price_2_cents: lowest * 2 + 1_500,
        lowest_price_4_cents: h % 11 === 0 ? null : lowest * 4 + 6_000,
        sum_price_cents: Math.round(lowest * 1.7 * priced),
        priced_listings: priced,
        total_tickets: tickets,
        total_listings: Math.round(tickets / 3),
        available: true,
        outlier_listings: 0,
        rejected_listings: 0,
        kafka_partition: 0,
        kafka_offset: i,
      });
    }
  }
  await store.insert('zone_snapshots', rows);
}

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seed(store, catalog);
  await seedBusyEvent(catalog);
  server = await startApi(createApp({ store, config: apiConfig(), catalog, dashboard: mountDashboard }), {
    host: '127.0.0.1',
    port: 0,
  });
  keyServer = await startApi(
    createApp({ store, config: apiConfig({ readAuth: 'key' }), catalog, dashboard: mountDashboard }),
    { host: '127.0.0.1', port: 0 },
  );
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await keyServer?.close();
  await store?.close();
});

/** The src and href attributes of an HTML text. */
const links = (html: string): string[] => [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);

describe('dashboard over HTTP', () => {
  it('serves the page at / with a strict CSP, linking only same-origin assets', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    // Small for a page of nine cards (charts, sources, alerts, market): no inlined data or scripts.
    expect(html.length).toBeLessThan(12_000);
    for (const id of ['event-select', 'zone-select', 'granularity', 'granularity-daily', 'chart-price'])
      expect(html).toContain(`data-testid="${id}"`);
    // No external URL anywhere in the page: no scheme, no protocol-relative address.
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9]/i);
    const found = links(html);
    expect(found.length).toBeGreaterThanOrEqual(5);
    for (const l of found) expect(l, l).toMatch(/^\/(?!\/)/);
  });

  it('serves uPlot, the script, the stylesheet and the icon with their types, cached for an hour', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const want: Record<string, string> = {
      'uPlot.iife.min.js': 'text/javascript; charset=utf-8',
      'uPlot.min.css': 'text/css; charset=utf-8',
      'app.js': 'text/javascript; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
      'favicon.svg': 'image/svg+xml',
    };
    const require = createRequire(import.meta.url);
    for (const [name, type] of Object.entries(want)) {
      const link = links(html).find((l) => l.startsWith(`/dashboard/${name}?v=`));
      expect(link, name).toBeDefined();
      const res = await fetch(`${base}${link}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toBe(type);
      expect(res.headers.get('cache-control'), name).toBe(`public, max-age=${ASSET_MAX_AGE_SECONDS}`);
      const body = await res.text();
      if (name.startsWith('uPlot')) expect(body).toBe(readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8'));
      // Revalidation: the same ETag answers 304 with no body.
      const etag = res.headers.get('etag');
      expect(etag, name).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${base}${link}`, { headers: { 'If-None-Match': etag! } });
      expect(again.status, name).toBe(304);
    }
    const script = await (await fetch(`${base}/dashboard/app.js`)).text();
    expect(script.length).toBeLessThan(40_000);
    expect(script).not.toMatch(/https?:\/\//);
  });

  it('gzips what compresses, redirects /dashboard to the page and 404s unknown assets', async () => {
    const gz = await fetch(`${base}/dashboard/uPlot.iife.min.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toContain('Accept-Encoding');
    expect((await gz.text()).length).toBeGreaterThan(40_000); // fetch decompressed it

    const redirect = await fetch(`${base}/dashboard/?event=evt-a`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/?event=evt-a');

    const missing = await fetch(`${base}/dashboard/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

// ------------------------------------------------------------------------------------------------
// In the browser

interface ChartState {
  state: string | undefined;
  points: number;
  granularity: string | undefined;
  zone: string | undefined;
}

/** Minimal view of the page's DOM for functions that run in the browser (the project has no DOM types). */
interface Doc {
  querySelector(s: string): { dataset: Record<string, string | undefined> } | null;
}

async function chartStates(page: Page): Promise<Record<string, ChartState>> {
  const out: Record<string, ChartState> = {};
  for (const name of CHARTS) {
    const el = page.getByTestId(`chart-${name}`);
    out[name] = {
      state: (await el.getAttribute('data-state')) ?? undefined,
      points: Number(await el.getAttribute('data-points')),
      granularity: (await el.getAttribute('data-granularity')) ?? undefined,
      zone: (await el.getAttribute('data-zone')) ?? undefined,
    };
  }
  return out;
}

/** Waits until all four charts have been drawn (or found empty) for this zone and granularity. */
async function chartsDrawn(page: Page, zone: string, granularity: string): Promise<Record<string, ChartState>> {
  await page.waitForFunction(
    ([names, z, g]) =>
      names.every((n) => {
        const d = (globalThis as unknown as { document: Doc }).document.querySelector(
          `[data-testid="chart-${n}"]`,
        )?.dataset;
        return d !== undefined && d.zone === z && d.granularity === g && ['ready', 'empty', 'error'].includes(d.state!);
      }),
    [CHARTS as readonly string[], zone, granularity] as const,
    { timeout: 20_000 },
  );
  return chartStates(page);
}

describe.skipIf(SKIP_BROWSER)('dashboard in headless Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} not found: the dashboard's browser tests need Debian's Chromium. Install it with ` +
          '`apt-get install -y chromium` (or set TWS_SKIP_BROWSER=1 to skip these tests).',
      );
    profile = mkdtempSync(join(tmpdir(), 'tws-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** A new tab that records console errors, page errors and the API requests it makes. */
  async function open(url: string) {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url().includes('/v1/')) requests.push(decodeURIComponent(r.url()));
    });
    await page.goto(url);
    return { page, errors, requests };
  }

  it('draws the four charts for the chosen event and zone, and redraws them daily', async () => {
    const { page, errors, requests } = await open(`${base}/?range=30d`);
    await expect.poll(() => page.getByTestId('event-select').isEnabled()).toBe(true);
    await page.getByTestId('event-select').selectOption('evt-a');
    await expect
      .poll(() => page.getByTestId('zone-select').locator('option').allTextContents())
      .toEqual(['Balcony', 'Orchestra']);
    await page.getByTestId('zone-select').selectOption('Orchestra');

    // Hourly, from test/api/seed.ts: windows H0, H1, H2 (no price), D1; candles skip H2; pairs at H0
    // and D1, fours at H0.
    const hourly = await chartsDrawn(page, 'Orchestra', 'hourly');
    expect(hourly.price).toMatchObject({ state: 'ready', points: 4 });
    expect(hourly.group).toMatchObject({ state: 'ready', points: 2 });
    expect(hourly.inventory).toMatchObject({ state: 'ready', points: 4 });
    expect(hourly.candles).toMatchObject({ state: 'ready', points: 3 });
    for (const name of CHARTS) expect(await page.getByTestId(`chart-${name}`).locator('canvas').count()).toBe(1);
    // $90 in the first window, $120 in the last one.
    await expect.poll(() => page.getByTestId('trend').textContent()).toBe('▲ increasing +33.33%');
    for (const path of ['price-trend', 'group-price-trend', 'inventory-trend', 'candles'])
      expect(requests.some((u) => u.includes(`/v1/events/evt-a/${path}?`) && u.includes('zone=Orchestra'))).toBe(true);
    expect(requests.filter((u) => u.includes('group_size=2')).length).toBeGreaterThan(0);
    expect(requests.filter((u) => u.includes('group_size=4')).length).toBeGreaterThan(0);

    const before = requests.length;
    await page.getByTestId('granularity-daily').check();
    const daily = await chartsDrawn(page, 'Orchestra', 'daily');
    // The four charts' requests; the market cards (market.js) ask for sales and a comparison too, and
    // the sources card for the sources now.
    const dailyRequests = requests
      .slice(before)
      .filter((u) => !/\/v1\/(events\/[^/]+\/(sales\?|sources$)|compare\?)/.test(u));
    expect(dailyRequests.length).toBe(5);
    expect(dailyRequests.every((u) => u.includes('granularity=daily'))).toBe(true);
    // Daily: the day of H0..H2 and the day of D1.
    for (const name of CHARTS) expect(daily[name]).toMatchObject({ state: 'ready', points: 2 });
    expect(new URL(page.url()).searchParams.toString()).toBe('event=evt-a&zone=Orchestra&granularity=daily&range=30d');

    // The URL reproduces the view.
    await page.reload();
    const again = await chartsDrawn(page, 'Orchestra', 'daily');
    for (const name of CHARTS) expect(again[name]).toMatchObject({ state: 'ready', points: 2 });
    expect(await page.getByTestId('event-select').inputValue()).toBe('evt-a');
    expect(await page.getByTestId('zone-select').inputValue()).toBe('Orchestra');
    expect(await page.getByTestId('granularity-daily').isChecked()).toBe(true);

    expect(await page.getByTestId('error-banner').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows empty states, not blank charts, when the range holds no data', async () => {
    const { page, errors } = await open(`${base}/?event=evt-a&zone=Orchestra&granularity=hourly&range=24h`);
    const states = await chartsDrawn(page, 'Orchestra', 'hourly');
    for (const name of CHARTS) {
      expect(states[name]).toMatchObject({ state: 'empty', points: 0 });
      const message = page.getByTestId(`chart-${name}`).locator('xpath=following-sibling::p[1]');
      expect(await message.isVisible()).toBe(true);
      expect(await message.textContent()).toMatch(/^No /);
    }
    expect(await page.getByTestId('trend').textContent()).toBe('not enough data');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('asks for a read key when the API needs one, then uses it', async () => {
    const { page } = await open(`http://127.0.0.1:${keyServer.port}/?event=evt-a&zone=Orchestra&range=30d`);
    const banner = page.getByTestId('error-banner');
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain('needs a read key');
    await page.getByTestId('api-key').fill(KEY);
    await page.getByTestId('api-key').press('Enter');
    const states = await chartsDrawn(page, 'Orchestra', 'hourly');
    expect(states.price).toMatchObject({ state: 'ready', points: 4 });
    expect(await banner.isHidden()).toBe(true);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length,
      ),
    ).toBe(1);
    await page.close();
  });

  it('renders a busy week readably at 1280×800 (screenshot in test-artifacts/dashboard.png)', async () => {
    const { page, errors } = await open(`${base}/?event=evt-busy&zone=Orchestra&granularity=hourly&range=7d`);
    const states = await chartsDrawn(page, 'Orchestra', 'hourly');
    for (const name of CHARTS) {
      expect(states[name]!.state, name).toBe('ready');
      expect(states[name]!.points, name).toBeGreaterThanOrEqual(160);
    }
    // Charts fit side by side in the viewport's width.
    const box = await page.getByTestId('chart-price').boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(box!.width).toBeLessThan(640);
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(SCREENSHOT, { force: true }); // a file left by an earlier run proves nothing
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).equals(png), 'test-artifacts/dashboard.png is this run’s screenshot').toBe(true);
    const image = pngSummary(png);
    expect(image.width).toBe(1280);
    expect(image.height).toBeGreaterThanOrEqual(800);
    // Charts drawn, not a blank page: a good share of the rows hold more than a few colours (the
    // dashboard measured 443 of 800 rows; a white page with one line of text, 12).
    expect(
      image.busyRows / image.height,
      `rows with more than 8 colours: ${image.busyRows} of ${image.height}`,
    ).toBeGreaterThan(0.2);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * Size of a PNG and how many of its rows hold more than 8 distinct pixel values: enough to tell a
 * page with charts from a blank one. Reads 8-bit RGB or RGBA, non-interlaced (what Chromium writes).
 */
function pngSummary(png: Buffer): { width: number; height: number; busyRows: number } {
  expect(png.subarray(0, 8).toString('hex'), 'PNG signature').toBe('89504e470d0a1a0a');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const [depth, colour, , , interlace] = png.subarray(24, 29);
  expect({ depth, colour, interlace }, 'an 8-bit RGB(A) non-interlaced PNG').toMatchObject({ depth: 8, interlace: 0 });
  expect([2, 6]).toContain(colour);
  const channels = colour === 6 ? 4 : 3;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = Buffer.alloc(stride);
  let busyRows = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter]!;
      line[i] = (line[i]! + predictor) & 0xff;
    }
    const colours = new Set<number>();
    for (let x = 0; x < width && colours.size <= 8; x++) colours.add(line.readUIntBE(x * channels, 3));
    if (colours.size > 8) busyRows++;
    prev = line;
  }
  return { width, height, busyRows };
}

if (SKIP_BROWSER)
  describe('dashboard in headless Chromium', () => {
    it.skip('skipped: TWS_SKIP_BROWSER=1 is set (unset it and install Chromium with `apt-get install -y chromium`)', () => {});
  });
