// The dashboard's alerts panel in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core, as in dashboard.test.ts), against a real embedded ClickHouse seeded like the API
// suites, a real AlertRules repository, and a rule with a firing whose delivery was dead-lettered.
// It lists the event's rules and firings, creates an alert from the price chart (refused without
// a key, created with one), and removes it. Screenshot in test-artifacts/dashboard-alerts.png.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountDashboard } from '../../api/dashboard/index.ts';
import { startApi, type RunningApi } from '../../api/server.ts';
import { AlertRules } from '../../lib/alerts/rules.ts';
import { SecretBox } from '../../lib/alerts/secret-box.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { H0, KEY, apiConfig, openStore, seed } from '../api/seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP_BROWSER = process.env.TWS_SKIP_BROWSER === '1';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard-alerts.png');
/** Page updates wait on the API and chDB: generous on a busy 2-core machine. */
const POLL = { timeout: 20_000, interval: 100 };

let store: Store;
let server: RunningApi;
let base: string;
let seededRule: string;

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seed(store, catalog);
  const alertRules = new AlertRules({ store, box: new SecretBox(randomBytes(32)) });
  const rule = await alertRules.create({
    name: 'Orchestra under $95',
    event_id: 'evt-a',
    zone: 'Orchestra',
    section: null,
    basis: 'all_in',
    group_size: 1,
    condition: { kind: 'below', price_cents: 9_500 },
    cooldown_seconds: 3600,
    rearm_drop_pct: null,
    targets: [{ url: 'https://hooks.example.com/services/T0KEN', format: 'slack', secret: null }],
    active: true,
  });
  seededRule = rule.rule_id;
  const target = `${rule.rule_id}/${rule.targets[0]!.target_id}`;
  await store.insert('alert_firings', [
    {
      firing_id: 'alf_dashboard',
      kind: 'crossing',
      rule_id: rule.rule_id,
      rule_version: rule.version,
      event_id: 'evt-a',
      zone: 'Orchestra',
      zone_id: 'z-orchestra',
      section: '',
      series: 'z-orchestra',
      observed_at: chDateTime(H0),
      value: 9_000,
      reference: 9_500,
      message: 'Orchestra under $95: evt-a · Orchestra at $90.00 per ticket (all-in), below $95.00',
      payload: JSON.stringify({ rule: { condition: 'below' } }),
      targets: [target],
      source_topic: 't',
      kafka_partition: 0,
      kafka_offset: 0,
    },
  ]);
  await store.insert('alert_deliveries', [
    {
      firing_id: 'alf_dashboard',
      target,
      rule_id: rule.rule_id,
      event_id: 'evt-a',
      status: 'dead_lettered',
      attempts: 1,
      http_status: 400,
      reason: 'webhook_rejected: HTTP 400 after 1 attempt',
      finished_at: chDateTime(H0 + 1000),
    },
  ]);
  server = await startApi(createApp({ store, config: apiConfig(), catalog, alertRules, dashboard: mountDashboard }), {
    host: '127.0.0.1',
    port: 0,
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

describe('alerts panel over HTTP', () => {
  it('links its script from the page, served same-origin as JavaScript', async () => {
    const html = await (await fetch(`${base}/`)).text();
    // Small for a page of nine cards (charts, sources, alerts, market): no inlined data or scripts.
    expect(html.length).toBeLessThan(12_000);
    const src = /src="(\/dashboard\/alerts\.js\?v=[^"]+)"/.exec(html)?.[1];
    expect(src).toBeDefined();
    for (const id of ['alerts-panel', 'create-alert', 'alert-form', 'alert-rules', 'alert-firings'])
      expect(html).toContain(`data-testid="${id}"`);
    const res = await fetch(`${base}${src}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await res.text();
    expect(script).not.toMatch(/https?:\/\//);
    expect(script).not.toMatch(/innerHTML/);
  });
});

interface Panel {
  state: string | null;
  rules: number;
  firings: number;
}

async function panel(page: Page): Promise<Panel> {
  const p = page.getByTestId('alerts-panel');
  return {
    state: await p.getAttribute('data-state'),
    rules: Number(await p.getAttribute('data-rules')),
    firings: Number(await p.getAttribute('data-firings')),
  };
}

describe.skipIf(SKIP_BROWSER)('alerts panel in headless Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (or TWS_SKIP_BROWSER=1)`);
    profile = mkdtempSync(join(tmpdir(), 'tws-chromium-alerts-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('lists the rules and firings, creates an alert from the chart (with a key) and removes it', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      // The refused write below is a 401 the page handles; the browser logs the response anyway.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/?event=evt-a&zone=Orchestra&range=30d`);

    await expect.poll(() => panel(page), POLL).toEqual({ state: 'ready', rules: 1, firings: 1 });
    const rule = page.getByTestId('alert-rule');
    expect(await rule.getAttribute('data-rule-id')).toBe(seededRule);
    expect(await rule.textContent()).toContain('Orchestra under $95 — Orchestra: below $95.00');
    expect(await rule.textContent()).toContain('last delivery dead-lettered (HTTP 400)');
    expect(await rule.textContent()).toContain('slack https://hooks.example.com/…');
    expect(await rule.textContent()).not.toContain('T0KEN');
    expect(await rule.locator('[data-delivery="dead_lettered"]').count()).toBe(1);
    const firing = page.getByTestId('alert-firing');
    expect(await firing.textContent()).toContain('at $90.00 per ticket');
    expect(await firing.textContent()).toContain('Deliveries: 1 dead-lettered');

    expect(await page.getByTestId('alert-form').isHidden()).toBe(true);
    // From the chart: prefilled just under the zone's latest get-in price ($120 → $114).
    await expect.poll(() => page.getByTestId('create-alert').isEnabled(), POLL).toBe(true);
    await page.getByTestId('create-alert').click();
    expect(await page.getByTestId('alert-form').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('alert-price').inputValue(), POLL).toBe('114');
    await page.getByTestId('alert-seats').selectOption('2');
    await page.getByTestId('alert-url').fill('https://receiver.example.net/hooks/abc');
    await page.getByTestId('alert-secret').fill('whsec_dashboard_0123456789');

    // Without a key the API refuses the write, and the form says what to do.
    await page.getByTestId('alert-submit').click();
    await expect.poll(() => page.getByTestId('alert-form-error').textContent(), POLL).toContain('needs an API key');

    await page.evaluate(
      (k) =>
        (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
          'tws.apiKey',
          k,
        ),
      KEY,
    );
    await page.getByTestId('alert-submit').click();
    await expect.poll(() => panel(page), POLL).toMatchObject({ state: 'ready', rules: 2 });
    expect(await page.getByTestId('alert-form').isHidden()).toBe(true);
    const list = (await (await fetch(`${base}/v1/alerts?event_id=evt-a`)).json()) as {
      rules: Array<{ rule_id: string; zone: string; group_size: number; condition: unknown; targets: unknown[] }>;
    };
    const created = list.rules.find((r) => r.rule_id !== seededRule)!;
    expect(created).toMatchObject({
      zone: 'Orchestra',
      group_size: 2,
      condition: { type: 'below', price: 114 },
      targets: [{ format: 'json', url: 'https://receiver.example.net/…', signed: true }],
    });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.getByTestId('alerts-panel').screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);

    await page.locator(`[data-rule-id="${created.rule_id}"]`).getByTestId('alert-delete').click();
    await expect.poll(() => panel(page), POLL).toMatchObject({ state: 'ready', rules: 1 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows the selected event: another event shows its own (empty) alerts', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/?event=evt-b&zone=Orchestra&range=30d`);
    await expect.poll(() => panel(page), POLL).toEqual({ state: 'empty', rules: 0, firings: 0 });
    expect(await page.getByTestId('alert-rules').textContent()).toContain('No alert rules for this event yet.');
    await page.close();
  });
});
