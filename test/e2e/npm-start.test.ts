// The first five minutes of a new user: `npm start` brings the whole pipeline up on the embedded
// defaults, the API shows non-empty price trends, the sample events are on two marketplaces (the
// simulator's hermes and Gametime APIs, each with data, inventory listed on both found across
// sites) and the dashboard page is served, Ctrl-C stops everything, and a second `npm start` serves
// the first run's data again. (The stack is already up here: `up` reuses it.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { uniqueId } from '../helpers/env.ts';
import { waitFor } from '../support/pipeline.ts';
import { killAllUp, startUp } from '../support/up-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tws-start-'));
const { brokers, registryUrl } = stackEndpoints();
const env = {
  ...process.env,
  KAFKA_BROKERS: brokers,
  SCHEMA_REGISTRY_URL: registryUrl,
  TWS_DATA_DIR: dataDir,
  TWS_TOPIC_PREFIX: uniqueId('start-'),
  TWS_CONSUMER_GROUP: uniqueId('start-group-'),
  TWS_API_PORT: '0',
  TWS_SIM_PORT: '0',
  TWS_LOG_LEVEL: 'warn',
};
const npmStart = () => startUp({ env, viaNpm: true });

afterAll(killAllUp);

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Point {
  t: string;
  min_price: number | null;
}

async function trendOf(api: string, eventId: string, zone: string) {
  return json<{ points: Point[] }>(
    `${api}/v1/events/${eventId}/price-trend?zone=${encodeURIComponent(zone)}&granularity=hourly`,
  );
}

async function firstTrend(api: string) {
  const { events } = await json<{ events: Array<{ event_id: string }> }>(`${api}/v1/events`);
  const eventId = events[0]!.event_id;
  const { zones } = await json<{ zones: Array<{ zone: string }> }>(`${api}/v1/events/${eventId}/zones`);
  const zone = zones[0]!.zone;
  return { eventId, zone, events: events.length, trend: await trendOf(api, eventId, zone) };
}

const STOPPED = /stopped in ([\d.]+) s/;
let firstRun: Awaited<ReturnType<typeof firstTrend>> | undefined;

describe('npm start', () => {
  it('the API shows non-empty price trends, the dashboard page is served, and Ctrl-C stops everything', async () => {
    const first = npmStart();
    const api = await first.api();
    firstRun = await waitFor(
      'a non-empty price trend',
      async () => {
        const t = await firstTrend(api).catch(() => undefined);
        return t && t.trend.points.length > 2 ? t : undefined;
      },
      120_000,
    );
    expect(firstRun.trend.points.some((p) => typeof p.min_price === 'number' && p.min_price > 0)).toBe(true);
    // Two marketplaces side by side (the dashboard's "Sources" card reads this), each with its own
    // tickets, and all sources with inventory listed on both sites found (and counted once).
    const compared = await json<{
      sources: Array<{ source: string; tickets: number; duplicate_listings: number }>;
    }>(`${api}/v1/events/${firstRun.eventId}/sources`);
    expect(compared.sources.map((s) => s.source)).toEqual(['simulated', 'simulated-gametime', 'all']);
    const [hermes, gametime, all] = compared.sources;
    expect(hermes!.tickets).toBeGreaterThan(0);
    expect(gametime!.tickets).toBeGreaterThan(0);
    expect(all!.duplicate_listings).toBeGreaterThan(0);
    const page = await fetch(`${api}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<html/i);
    expect(html).toMatch(/price/i);
    // The first scheduled scrape lands too, not only the simulated history.
    await waitFor(
      'a successful scrape job',
      async () =>
        (await json<{ jobs: Array<{ status: string }> }>(`${api}/v1/jobs`)).jobs.some((j) => j.status === 'success'),
      60_000,
    );
    await first.interrupt();
    expect(first.output(), first.output()).toMatch(STOPPED);
  }, 300_000);

  it('a second start serves the first run’s data again, without reloading the history', async () => {
    expect(firstRun, 'the first test recorded a trend').toBeDefined();
    const second = npmStart();
    const api = await second.api();
    expect(second.output()).not.toMatch(/h of simulated history/);
    const t = await firstTrend(api);
    expect(t.events).toBe(4);
    expect({ eventId: t.eventId, zone: t.zone }).toEqual({ eventId: firstRun!.eventId, zone: firstRun!.zone });
    // Hours that were complete in the first run are served again with the same values (the last
    // two may have grown by the scrapes of either run).
    const settled = firstRun!.trend.points.slice(0, -2);
    expect(settled.length).toBeGreaterThan(0);
    const again = new Map(t.trend.points.map((p) => [p.t, p]));
    for (const p of settled) expect(again.get(p.t), p.t).toEqual(p);
    await second.interrupt();
    expect(second.output(), second.output()).toMatch(STOPPED);
  }, 300_000);
});
