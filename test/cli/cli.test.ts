// Every `tws` subcommand, run as users run it: as a process, with its real side effects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { cliEnv, tws, twsLongRunning } from '../support/cli.ts';

const SUBCOMMANDS = [
  'up',
  'scrape',
  'scheduler',
  'worker',
  'consume',
  'api',
  'sim',
  'events',
  'replay',
  'migrate',
  'stack',
  'query',
];
let sim: SimulatedMarketplace;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 3, events: 3 });
  env = cliEnv({ TWS_SOURCE: 'simulated', TWS_SOURCE_BASE_URL: sim.url });
});
afterAll(() => sim?.close());

describe('tws --help', () => {
  it.each(SUBCOMMANDS)('%s --help describes the subcommand', async (name) => {
    const r = await tws([name, '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: tws ${name}`));
  });

  it('names the variable when configuration is wrong', async () => {
    const r = await tws(['migrate'], { ...env, TWS_API_PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TWS_API_PORT');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reads settings from a config file, and flags win over it', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = `${env.TWS_DATA_DIR}/tws.yaml`;
    writeFileSync(file, 'TWS_RATE_LIMIT_PER_MINUTE: fast\n');
    const bad = await tws(['--config', file, 'migrate'], env);
    expect(bad.stderr).toContain('TWS_RATE_LIMIT_PER_MINUTE');
    const ok = await tws(['--config', file, '--set', 'TWS_RATE_LIMIT_PER_MINUTE=30', 'migrate'], env);
    expect(ok.code).toBe(0);
  });
});

describe('tws subcommands (sequential: they share one chDB data directory)', () => {
  it('migrate applies the schema, idempotently', async () => {
    const a = await tws(['migrate'], env);
    expect(a.stdout).toMatch(/schema up to date: \d+ migrations/);
    const b = await tws(['migrate'], env);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('stack status reports the running broker and registry', async () => {
    const r = await tws(['stack', 'status'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kafka\s+running healthy/);
    expect(r.stdout).toMatch(/registry\s+running healthy/);
  });

  it('events add, list and deactivate', async () => {
    for (const p of sim.productions()) {
      const r = await tws(
        [
          'events',
          'add',
          '--source',
          'simulated',
          '--source-event-id',
          p.productionId,
          '--name',
          p.name,
          '--starts-at',
          new Date(p.startsAt).toISOString(),
          '--capacity',
          String(p.capacity),
        ],
        env,
      );
      expect(r.stdout).toContain(`added simulated-${p.productionId}`);
    }
    const dup = await tws(
      [
        'events',
        'add',
        '--source',
        'simulated',
        '--source-event-id',
        sim.productions()[0]!.productionId,
        '--name',
        'x',
        '--starts-at',
        '2027-01-01T00:00:00Z',
      ],
      env,
    );
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const list = await tws(['events', 'list', '--format', 'json'], env);
    expect(JSON.parse(list.stdout)).toHaveLength(3);
    const last = `simulated-${sim.productions()[2]!.productionId}`;
    expect((await tws(['events', 'deactivate', last], env)).stdout).toContain(`deactivated ${last}`);
    const csv = await tws(['events', 'list', '--format', 'csv'], env);
    expect(csv.stdout.trim().split('\n')).toHaveLength(3); // header + 2 active
    const all = await tws(['events', 'list', '--all', '--format', 'csv'], env);
    expect(all.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('scrape runs one job over the active events', async () => {
    const r = await tws(['scrape'], env, 90_000);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'success', events_planned: 2, events_succeeded: 2 });
    expect(sim.stats().requests.filter((q) => q.status === 200)).toHaveLength(2);
  });

  it('consume writes the scraped snapshots, and stops cleanly on SIGTERM', async () => {
    const c = twsLongRunning(['consume'], env);
    await new Promise((r) => setTimeout(r, 8_000));
    expect(await c.stop(), c.output()).toBe(0);
    const q = await tws(['query', 'SELECT count() AS n FROM snapshots', '--format', 'json'], env);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 2 }]);
  });

  it('query prints tables and CSV, and is read-only unless told otherwise', async () => {
    const t = await tws(['query', 'SELECT event_id FROM events FINAL ORDER BY event_id LIMIT 1'], env);
    expect(t.stdout).toMatch(/event_id[\s\S]*simulated-/);
    const ro = await tws(['query', 'DROP TABLE events'], env);
    expect(ro.code).toBe(1);
    expect(ro.stderr).toMatch(/readonly/i);
  });

  it('replay re-consumes from an offset with the same result', async () => {
    const before = await tws(
      ['query', 'SELECT count() AS n, sum(total_tickets) AS t FROM zone_snapshots', '--format', 'json'],
      env,
    );
    const r = await tws(['replay', '--from-offset', '0', '--no-progress'], env, 90_000);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/replayed 2 records/);
    if (process.env.DBG) console.error(r.stdout, r.stderr);
    const after = await tws(
      ['query', 'SELECT count() AS n, sum(total_tickets) AS t FROM zone_snapshots', '--format', 'json'],
      env,
    );
    expect(after.stdout).toBe(before.stdout);
  });

  it('api serves the catalog and stops on SIGTERM', async () => {
    const a = twsLongRunning(['api'], env);
    try {
      const [, url] = await a.waitFor(/API listening on (http:\/\/\S+)/);
      const res = await fetch(`${url}/v1/events`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { events: unknown[] }).events).toHaveLength(3);
    } finally {
      expect(await a.stop(), a.output()).toBe(0);
    }
  });

  it('worker and scheduler run as separate processes and stop on SIGTERM', async () => {
    const w = twsLongRunning(['worker', '--set', 'TWS_METRICS_PORT=0'], env);
    const s = twsLongRunning(['scheduler'], env);
    try {
      const [, metricsUrl] = await w.waitFor(/metrics on (http:\/\/\S+)/);
      await w.waitFor(/running/);
      await s.waitFor(/running/);
      await new Promise((r) => setTimeout(r, 5_000));
      const metrics = await (await fetch(metricsUrl!.replace('0.0.0.0', '127.0.0.1'))).text();
      expect(metrics).toMatch(/tws_scrape_outcomes_total\{status="ok"/);
    } finally {
      expect(await s.stop(), s.output()).toBe(0);
      expect(await w.stop(), w.output()).toBe(0);
    }
    expect(sim.stats().requests.length).toBeGreaterThan(2);
  });

  it('sim serves the hermes API', async () => {
    const s = twsLongRunning(['sim', '--set', 'TWS_SIM_PORT=0'], env);
    try {
      const [, url] = await s.waitFor(/simulated marketplace on (http:\/\/\S+)/);
      const res = await fetch(`${url}/__sim/productions`);
      expect(res.status).toBe(200);
    } finally {
      expect(await s.stop(), s.output()).toBe(0);
    }
  });
});
