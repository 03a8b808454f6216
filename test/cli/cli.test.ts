// Every `tws` subcommand, run as users run it: as a process, with its real side effects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { consumerLag, createKafka } from '../../lib/kafka/client.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import { HERMES_LISTINGS_PATH, parseHermes } from '../../producers/sources/vividseats/hermes.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { cliEnv, tws, twsLongRunning } from '../support/cli.ts';
import { waitFor } from '../support/pipeline.ts';

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
  env = cliEnv({ TWS_SOURCES__SIMULATED__BASE_URL: sim.url });
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
    // chDB allows one process per data directory, so the rows cannot be read while `consume` runs:
    // wait for its group to have committed past both snapshots (the runner commits after writing).
    const config = loadConfig(env as Record<string, string>);
    const kafka = createKafka(config.kafka, silentLogger);
    const snapshots = topicNames(config.kafka.topicPrefix).snapshots;
    const c = twsLongRunning(['consume'], env);
    try {
      await waitFor(
        `group ${config.consumer.group} to commit past the 2 snapshots on ${snapshots}`,
        async () => c.child.exitCode === null && (await consumerLag(kafka, config.consumer.group, [snapshots])) === 0,
        40_000, // under the 60 s test timeout, so that a miss reports what was awaited
      );
    } finally {
      expect(await c.stop(), c.output()).toBe(0);
    }
    const q = await tws(['query', 'SELECT count() AS n FROM snapshots', '--format', 'json'], env);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 2 }]);
  });

  it('query prints tables and CSV, and is read-only unless told otherwise', async () => {
    const t = await tws(['query', 'SELECT event_id FROM events FINAL ORDER BY event_id LIMIT 1'], env);
    expect(t.stdout).toMatch(/event_id[\s\S]*simulated-/);

    // CSV: a header, then one line per row, quoted where a cell holds a comma or a quote; the
    // expected text is built from the marketplace's own list of productions.
    const csv = await tws(
      [
        'query',
        `SELECT event_id, capacity, 'a,b' AS x, 'say "hi"' AS y, NULL AS z, [1, 2] AS arr FROM events FINAL ORDER BY event_id`,
        '--format',
        'csv',
      ],
      env,
    );
    expect(csv.code, csv.stderr).toBe(0);
    const rows = sim
      .productions()
      .map((p) => `simulated-${p.productionId},${p.capacity},"a,b","say ""hi""",,"[1,2]"`)
      .sort();
    expect(csv.stdout).toBe(['event_id,capacity,x,y,z,arr', ...rows, ''].join('\n'));

    // Read-only by default: DDL is refused and changes nothing (an INSERT, below, too).
    const ro = await tws(['query', 'DROP TABLE events'], env);
    expect(ro.code).toBe(1);
    expect(ro.stderr).toMatch(/readonly/i);
    const create = 'CREATE TABLE cli_notes (id UInt32, note String) ENGINE = MergeTree ORDER BY id';
    const events = await tws(['query', 'SELECT count() AS n FROM events FINAL', '--format', 'json'], env);
    expect(JSON.parse(events.stdout)).toEqual([{ n: 3 }]);

    // --write: DDL and INSERT … VALUES go through, and what they wrote is read back.
    try {
      expect((await tws(['query', '--write', create], env)).code).toBe(0);
      const insert = await tws(['query', '--write', "INSERT INTO cli_notes VALUES (1, 'written'), (2, 'a,b')"], env);
      expect(insert.code, insert.stderr).toBe(0);
      const roInsert = await tws(['query', "INSERT INTO cli_notes VALUES (3, 'not without --write')"], env);
      expect(roInsert.code).toBe(1);
      expect(roInsert.stderr).toMatch(/readonly/i);
      const back = await tws(['query', 'SELECT id, note FROM cli_notes ORDER BY id', '--format', 'csv'], env);
      expect(back.stdout).toBe('id,note\n1,written\n2,"a,b"\n');
    } finally {
      expect((await tws(['query', '--write', 'DROP TABLE IF EXISTS cli_notes'], env)).code).toBe(0);
    }
    const gone = await tws(
      ['query', "SELECT count() AS n FROM system.tables WHERE name = 'cli_notes'", '--format', 'json'],
      env,
    );
    expect(JSON.parse(gone.stdout)).toEqual([{ n: 0 }]);
  }, 120_000); // about ten `tws` runs, each a process that opens chDB: 3–5 s apiece on 2 cores

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
      const url = metricsUrl!.replace('0.0.0.0', '127.0.0.1');
      const metrics = await waitFor(
        `an ok scrape outcome on the worker's metrics (${url})`,
        async () => {
          const text = await (await fetch(url)).text();
          return /tws_scrape_outcomes_total\{status="ok"[^}]*\} [1-9]/.test(text) ? text : undefined;
        },
        40_000,
      );
      // The marketplace is healthy: nothing failed on the way.
      expect(metrics).not.toMatch(/tws_scrape_outcomes_total\{status="failed"[^}]*\} [1-9]/);
    } finally {
      expect(await s.stop(), s.output()).toBe(0);
      expect(await w.stop(), w.output()).toBe(0);
    }
    expect(sim.stats().requests.length).toBeGreaterThan(2);
  });

  it('sim serves the hermes API', async () => {
    const s = twsLongRunning(['sim', '--set', 'TWS_SIM_PORT=0', '--set', 'TWS_SIM_EVENTS=2'], env);
    try {
      const [, printed] = await s.waitFor(/simulated marketplace on (http:\/\/\S+)/);
      const url = printed!.replace('0.0.0.0', '127.0.0.1');
      const res = await fetch(`${url}/__sim/productions`);
      expect(res.status).toBe(200);
      const productions = (await res.json()) as Array<{ productionId: string }>;
      expect(productions).toHaveLength(2);
      // The listings endpoint, as the scraper calls it: JSON that the hermes parser reads.
      const listings = await fetch(`${url}${HERMES_LISTINGS_PATH}?productionId=${productions[0]!.productionId}`, {
        headers: { Accept: 'application/json' },
      });
      expect(listings.status).toBe(200);
      expect(listings.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await listings.json()) as { global: Array<{ listingCount: string }>; tickets: unknown[] };
      expect(body.tickets.length).toBeGreaterThan(0);
      expect(body.tickets).toHaveLength(Number(body.global[0]!.listingCount));
      const parsed = parseHermes(body);
      const kept = parsed.zones.flatMap((z) => z.sections.flatMap((x) => x.listings)).length;
      expect(kept + parsed.rejected.reduce((n, r) => n + r.count, 0)).toBe(body.tickets.length);
      expect((await fetch(`${url}${HERMES_LISTINGS_PATH}?productionId=404404`)).status).toBe(404);
      expect((await fetch(`${url}${HERMES_LISTINGS_PATH}`)).status).toBe(400);
    } finally {
      expect(await s.stop(), s.output()).toBe(0);
    }
  });
});
