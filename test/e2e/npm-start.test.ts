// The first five minutes of a new user: `npm start` brings the whole pipeline up on the embedded
// defaults, the API and the dashboard show non-empty price trends, Ctrl-C stops everything, and a
// second `npm start` reuses the data. (The stack is already up here: `up` reuses it.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { uniqueId } from '../helpers/env.ts';
import { waitFor } from '../support/pipeline.ts';

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
const running = new Set<ChildProcess>();

function npmStart() {
  const child = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => (running.delete(child), resolve(code))),
  );
  return {
    output: () => out,
    async api(): Promise<string> {
      const m = await waitFor(
        'the API URL',
        async () =>
          out.match(/API\s+(http:\/\/\S+)\/v1\/events/) ??
          (child.exitCode !== null ? Promise.reject(new Error(out)) : undefined),
        120_000,
      );
      await waitFor('ready', async () => out.includes('Press Ctrl-C to stop.'), 60_000);
      return m[1]!;
    },
    /** Ctrl-C, as a terminal sends it: to the whole process group. */
    async interrupt(): Promise<boolean> {
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      // npm itself dies of the signal; what matters is that nothing of the group is left.
      return waitFor('every process of the run to exit', async () => !groupAlive(child.pid!), 90_000);
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  for (const c of running) if (groupAlive(c.pid!)) process.kill(-c.pid!, 'SIGKILL');
});

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Zone {
  zone: string;
}

async function firstTrend(api: string) {
  const { events } = await json<{ events: Array<{ event_id: string }> }>(`${api}/v1/events`);
  const eventId = events[0]!.event_id;
  const { zones } = await json<{ zones: Zone[] }>(`${api}/v1/events/${eventId}/zones`);
  const zone = encodeURIComponent(zones[0]!.zone);
  return {
    eventId,
    zone,
    events: events.length,
    trend: await json<{ points: Array<{ min_price: number | null }> }>(
      `${api}/v1/events/${eventId}/price-trend?zone=${zone}&granularity=hourly`,
    ),
  };
}

describe('npm start', () => {
  it('shows non-empty price trends in the API and the dashboard, and stops cleanly on Ctrl-C', async () => {
    const first = npmStart();
    const api = await first.api();
    const got = await waitFor(
      'a non-empty price trend',
      async () => {
        const t = await firstTrend(api).catch(() => undefined);
        return t && t.trend.points.length > 0 ? t : undefined;
      },
      120_000,
    );
    expect(got.trend.points.some((p) => typeof p.min_price === 'number' && p.min_price > 0)).toBe(true);
    const page = await fetch(`${api}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    // The first scheduled scrape lands too, not only the simulated history.
    await waitFor(
      'a scrape job',
      async () =>
        (await json<{ jobs: Array<{ status: string }> }>(`${api}/v1/jobs`)).jobs.some((j) => j.status === 'success'),
      60_000,
    );
    expect(await first.interrupt()).toBe(true);
    expect(first.output(), first.output()).toContain('stopped.');
  }, 300_000);

  it('a second start reuses the data', async () => {
    const second = npmStart();
    const api = await second.api();
    expect(second.output()).not.toMatch(/h of simulated history/);
    const t = await firstTrend(api);
    expect(t.events).toBe(4);
    expect(t.trend.points.length).toBeGreaterThan(0);
    expect(await second.interrupt()).toBe(true);
    expect(second.output()).toContain('stopped.');
  }, 300_000);
});
