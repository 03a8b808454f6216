// Scenario 7, security:
//   - API keys are compared in constant time: SHA-256 digests of equal length through
//     crypto.timingSafeEqual, every configured key tried whatever the token (checked with a spy);
//   - no secret reaches a log line: the whole pipeline (`tws up`'s up(): store, consumers, API,
//     simulated marketplace, worker, scheduler with a failing phase that fires alerts to a webhook
//     whose URL carries a token) runs in this process with a pino logger at `trace` writing to a
//     file, is called with good keys, wrong keys, Basic credentials and the SQL endpoint, and the
//     file is then searched for every key, wrong key, password and token;
//   - SQL injection on every parameter of every operation, and on /v1/sql (read-only, limits on
//     rows, time and memory enforced with a 400);
//   - request body size limits (413), rate limiting per API key (429), CORS by configuration.
import { randomBytes } from 'node:crypto';
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.ts';
import { createKeyRing } from '../../api/middleware/auth.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { up, type Running } from '../../bin/commands/up.ts';
import { catalogWithPublisher, createContext } from '../../bin/roles.ts';
import { H0, HOUR, iso, seed } from '../api/seed.ts';
import { profile } from './support/profile.ts';
import { REPO_ROOT, Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv, until, type ScenarioEnv } from './support/scenario.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const rec = new Scenario('security', 7, 'Security (keys, logs, injection, limits, CORS)', 'hostile requests');
const sampler = new RssSampler();
const secret = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;
const KEY_A = secret('ka-');
const KEY_B = secret('kb-');
const KEY_C = secret('kc-');
const WRONG = [`${KEY_A.slice(0, -1)}${KEY_A.endsWith('x') ? 'y' : 'x'}`, KEY_A.slice(0, 10), secret('kw-')];
const PASSWORD = secret('pw-');
const TOKEN = secret('tok-');
const BASIC = Buffer.from(`analyst:${PASSWORD}`).toString('base64');
const SECRETS: Record<string, string> = {
  'API key A': KEY_A,
  'API key B': KEY_B,
  'API key C': KEY_C,
  'wrong key 1': WRONG[0]!,
  'wrong key 2': WRONG[2]!,
  'ClickHouse password': PASSWORD,
  'webhook token': TOKEN,
  'Basic credentials': BASIC,
};
const RATE_PER_MINUTE = 60;
const BODY_LIMIT = 2048;
const stats = { hostile: 0, refused: 0, fiveXX: 0, leaks: 0 };
const fiveXX: string[] = [];

let env: ScenarioEnv;
let logFile: string;
let logger: Logger;
let running: Running | undefined;
let hook: Server;
const hookCalls: string[] = [];
let api: string;

beforeAll(async () => {
  hook = createServer((req, res) => {
    hookCalls.push(req.url ?? '');
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  env = scenarioEnv('security', {
    TWS_API_KEYS: `${KEY_A},${KEY_B},${KEY_C}`,
    TWS_API_READ_AUTH: 'key',
    TWS_CORS_ORIGINS: 'https://dash.example',
    TWS_API_PORT: '0',
    TWS_SIM_PORT: '0',
    TWS_SIM_EVENTS: '3',
    TWS_SCRAPE_INTERVAL_SECONDS: '2',
    TWS_RATE_LIMIT_PER_MINUTE: '100000',
    TWS_REQUEST_TIMEOUT_MS: '1000',
    CLICKHOUSE_PASSWORD: PASSWORD,
    TWS_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/${TOKEN}?token=${TOKEN}`,
    TWS_ALERT_ERRORS_PER_HOUR: '2',
    TWS_API_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    TWS_API_RATE_LIMIT_PER_MINUTE: String(RATE_PER_MINUTE),
    TWS_SQL_MAX_EXECUTION_SECONDS: '1',
    TWS_SQL_MAX_RESULT_ROWS: '50',
    TWS_SQL_MAX_MEMORY_BYTES: '50000000',
    TWS_LOG_LEVEL: 'trace',
  });
  logFile = join(env.dir, 'tws.log');
  logger = createLogger({
    level: 'trace',
    name: 'tws',
    destination: pino.destination({ dest: logFile, sync: true }) as unknown as NodeJS.WritableStream,
  });
  running = await up(env.config, logger, { stack: false, backfillHours: 1, print: (l) => logger.info(l) });
  api = running.apiUrl;
  await seed(running.store, new EventCatalog({ store: running.store }));
  sampler.watch('process', () => process.pid).start();
}, 240_000);

afterAll(async () => {
  sampler.stop();
  await running?.stop();
  await new Promise<void>((r) => hook?.close(() => r()));
  rec.set({
    recordsIn: stats.hostile,
    recordsOut: stats.refused,
    lost: stats.fiveXX + stats.leaks,
    duplicated: null,
    recoveryMs: null,
    recoveryWhat: 'n/a: "lost" counts 5xx answers and secrets found in the logs',
    peakRssMb: sampler.peak(),
    rssWhat: 'test process (the whole pipeline)',
  });
  rec.save();
}, 120_000);

beforeEach((ctx) => rec.track(ctx));

async function call(
  method: string,
  path: string,
  opts: { key?: string; auth?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.auth) headers.authorization = opts.auth;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${api}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  if (res.status >= 500) {
    stats.fiveXX++;
    fiveXX.push(`${method} ${path.slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** A hostile request: counted, and it must be refused with one of `allowed`. */
function refused(status: number, allowed: number[], what: string): void {
  stats.hostile++;
  if (allowed.includes(status)) stats.refused++;
  expect(allowed, `${what} → ${status}`).toContain(status);
}

describe('API keys', () => {
  it('are compared in constant time: SHA-256 digests through timingSafeEqual, every key tried', async () => {
    const source = readFileSync(join(REPO_ROOT, 'api/middleware/auth.ts'), 'utf8');
    expect(source).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    expect(source).toMatch(/createHash\('sha256'\)/);
    const spy = vi.mocked(crypto.timingSafeEqual);
    const keys = ['first-key-0001', 'second-key-0002', 'third-key-0003'];
    const ring = createKeyRing(keys);
    for (const [token, want] of [
      [keys[0]!, 0],
      [keys[2]!, 2],
      ['first-key-0002', -1],
      ['', -1],
      ['x'.repeat(4096), -1],
    ] as const) {
      spy.mockClear();
      expect(ring.match(token)).toBe(want);
      // No early exit on a match, and never a comparison of raw tokens of different lengths.
      expect(spy).toHaveBeenCalledTimes(keys.length);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    }
    // The middleware of the running API goes through the same comparison.
    spy.mockClear();
    const r = await call('GET', '/v1/events?limit=1', { key: WRONG[0] });
    refused(r.status, [401], 'a wrong key');
    expect(spy).toHaveBeenCalledTimes(3);
    // For the record: time of a match against the first key, the last key and no key at all.
    const time = (token: string) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i++) ring.match(token);
      return Number(process.hrtime.bigint() - t0) / 20_000;
    };
    time(keys[0]!);
    rec.detail('keyMatchNs', {
      firstKey: Math.round(time(keys[0]!)),
      lastKey: Math.round(time(keys[2]!)),
      wrongSamePrefix: Math.round(time('first-key-0002')),
      wrongShort: Math.round(time('x')),
    });
  });
});

describe('the full pipeline', () => {
  it('scrapes, alerts through the webhook, and serves the API with keys', async () => {
    type Job = { status: string; events_planned: number; events_succeeded: number; events_failed: number };
    const job = await until(
      'a successful scrape job',
      async () => {
        const r = await call('GET', '/v1/jobs?limit=20', { key: KEY_A });
        return ((r.json().jobs ?? []) as Job[]).find((j) => j.status === 'success');
      },
      90_000,
      1_000,
    );
    // What the API reports of it holds together: a success scraped every event it planned.
    expect(job.events_planned, 'events planned by the successful job').toBeGreaterThan(0);
    expect(job).toMatchObject({ events_succeeded: job.events_planned, events_failed: 0 });
    // A failing phase: the marketplace refuses every request, jobs fail, alerts fire.
    await fetch(`${running!.simUrl}/__sim/faults`, { method: 'POST', body: JSON.stringify([{ kind: 'forbidden' }]) });
    await until('an alert delivered to the webhook', () => hookCalls.length > 0 || undefined, 60_000, 500);
    await fetch(`${running!.simUrl}/__sim/faults`, { method: 'DELETE' });
    expect(hookCalls[0]).toContain(TOKEN);

    expect((await call('GET', '/v1/events', { key: KEY_A })).status).toBe(200);
    expect((await call('GET', '/v1/events/evt-a/zones', { key: KEY_B })).status).toBe(200);
    expect((await call('GET', '/v1/logs?limit=5', { key: KEY_A })).status).toBe(200);
    for (const k of WRONG) refused((await call('GET', '/v1/events', { key: k })).status, [401], 'a wrong key');
    refused((await call('GET', '/v1/events', { auth: `Basic ${BASIC}` })).status, [401], 'Basic credentials');
    refused((await call('GET', `/v1/events?api_key=${KEY_A}`)).status, [401], 'a key in the query string');
    refused((await call('GET', '/v1/events', { auth: `Bearer ${KEY_A} ${KEY_B}` })).status, [401], 'two keys');
    refused((await call('GET', `/v1/nope/${KEY_A}`, { key: KEY_A })).status, [404], 'a key in the path');
    const sql = await call('POST', '/v1/sql', { key: KEY_B, body: { sql: 'SELECT count() AS n FROM snapshots' } });
    expect(sql.status).toBe(200);
    refused((await call('POST', '/v1/sql', { key: KEY_B, body: { sql: 'SELEC nonsense' } })).status, [400], 'bad SQL');
    refused(
      (await call('POST', '/v1/sql', { key: WRONG[2], body: { sql: 'SELECT 1' } })).status,
      [401],
      'SQL with a wrong key',
    );
  });
});

const INJECTIONS_FULL = [
  "' OR 1=1 --",
  "evt-a' OR '1'='1",
  "Orchestra' OR '1'='1",
  '"; DROP TABLE events; --',
  "'; DROP TABLE events; --",
  "') UNION ALL SELECT name, name, name FROM system.tables --",
  "evt-a' UNION ALL SELECT * FROM events --",
  '{zone:String}',
  '{where:String}',
  "file('/etc/passwd')",
  '1; SELECT 1',
  "\\' OR 1=1 --",
  '%27%20OR%201%3D1',
  "evt-a'--",
  '1 OR 1=1',
  '0x7FFFFFFF',
  "' AND sleep(3) --",
  "'||(SELECT name FROM system.users LIMIT 1)||'",
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
];
const INJECTIONS = profile.name === 'full' ? INJECTIONS_FULL : INJECTIONS_FULL.slice(0, 10);
const GOOD: Record<string, string> = {
  eventId: 'evt-a',
  jobId: 'job-1',
  zone: 'Orchestra',
  from: iso(H0),
  to: iso(H0 + 3 * HOUR),
  granularity: 'hourly',
  group_size: '2',
  limit: '10',
};

describe('SQL injection', () => {
  it('on every parameter of every operation: refused or read as a plain value, never run', async () => {
    // The same app as the running API, in-process and without the rate limit, for the volume.
    // Its catalog publishes to the catalog topic, as `tws api` does; the ops consumer writes it too.
    const { catalog, producer } = await catalogWithPublisher(createContext(env.config, logger), running!.store);
    const app = createApp({
      store: running!.store,
      config: { ...env.config.api, rateLimitPerMinute: 10_000_000 },
      catalog,
    });
    const count = async (sql: string) => Number((await running!.store.query<{ n: number }>(sql))[0]?.n);
    const before = {
      events: await count('SELECT count() AS n FROM events FINAL'),
      zones: await count('SELECT count() AS n FROM zone_snapshots'),
      tables: await count('SELECT count() AS n FROM system.tables WHERE database = currentDatabase()'),
    };
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    let checked = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!template.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        if (method !== 'get') continue;
        const params = (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
        for (const target of params) {
          for (const injection of INJECTIONS) {
            let path = template;
            const query = new URLSearchParams();
            for (const p of params) {
              const v = p === target ? injection : GOOD[p.name];
              if (v === undefined) continue;
              if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(v));
              else query.append(p.name, v);
            }
            const url = `${path}${query.size ? `?${query}` : ''}`;
            const res = await app.request(url, { headers: { authorization: `Bearer ${KEY_A}` } });
            const text = await res.text();
            checked++;
            stats.hostile++;
            if (res.status >= 500) stats.fiveXX++;
            expect(res.status, `${url}: ${text.slice(0, 200)}`).toBeLessThan(500);
            if (res.status !== 200) {
              stats.refused++;
              continue;
            }
            // A 200 must be an empty answer: the injected value matched nothing.
            stats.refused++;
            const body = JSON.parse(text) as Record<string, unknown>;
            const rows = (body.events ?? body.jobs ?? body.logs ?? body.points ?? body.zones) as unknown[] | undefined;
            if (Array.isArray(rows)) expect(rows, `${url} returned rows`).toEqual([]);
          }
        }
      }
    }
    // Injected strings in a body are stored as plain text.
    for (const injection of INJECTIONS) {
      const res = await app.request('/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          source: 'simulated',
          source_event_id: String(900_000 + INJECTIONS.indexOf(injection)),
          name: injection,
          venue: injection,
          timezone: 'UTC',
          starts_at: '2027-06-01T20:00:00Z',
        }),
      });
      stats.hostile++;
      expect(res.status).toBe(201);
      stats.refused++;
      const created = (await res.json()) as { event_id: string };
      // Read back through the API (the ops consumer's write makes it visible even where the
      // API's own insert is lost: see test/chaos/8-regressions.test.ts).
      const name = await until(
        `event ${created.event_id} readable`,
        async () => {
          const read = await app.request(`/v1/events/${created.event_id}`, {
            headers: { authorization: `Bearer ${KEY_A}` },
          });
          return read.status === 200 ? ((await read.json()) as { name: string }).name : undefined;
        },
        30_000,
        250,
      );
      expect(name).toBe(injection);
    }
    await producer.stop();
    rec.detail('injectionRequests', checked);
    expect(checked).toBeGreaterThan(50);
    expect(await count('SELECT count() AS n FROM zone_snapshots')).toBeGreaterThanOrEqual(before.zones);
    expect(await count('SELECT count() AS n FROM events FINAL')).toBe(before.events + INJECTIONS.length);
    expect(await count('SELECT count() AS n FROM system.tables WHERE database = currentDatabase()')).toBe(
      before.tables,
    );
  });

  it('/v1/sql is read-only and enforces its row, time and memory limits with a 400', async () => {
    const state = async () =>
      (
        (
          await call('POST', '/v1/sql', {
            key: KEY_B,
            body: {
              sql: "SELECT groupArray(name) AS tables, (SELECT count() FROM events WHERE event_id = 'x') AS injected FROM (SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name)",
            },
          })
        ).json().rows as Array<{ tables: string[]; injected: number }>
      )[0]!;
    const before = await state();
    const events = await running!.store.query<{ n: number }>('SELECT uniqExact(event_id) AS n FROM events');
    const writes = [
      "INSERT INTO events (event_id) VALUES ('x')",
      'ALTER TABLE events DELETE WHERE 1',
      'DROP TABLE events',
      'TRUNCATE TABLE events',
      'CREATE TABLE chaos_x (a Int8) ENGINE = Memory',
      'RENAME TABLE events TO events_old',
      'OPTIMIZE TABLE events FINAL',
      'SET readonly = 0',
      'SYSTEM FLUSH LOGS',
      'KILL QUERY WHERE 1',
      'GRANT ALL ON *.* TO default',
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT 1 SETTINGS max_result_rows = 0',
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT file('/etc/passwd')",
      "SELECT * FROM url('http://127.0.0.1:9/', 'CSV', 'a String')",
      "SELECT * FROM remote('127.0.0.1', system.one)",
      "SELECT * FROM executable('id', 'TSV', 'a String')",
      "SELECT 1 INTO OUTFILE '/tmp/chaos-outfile'",
      'SELECT 1; DROP TABLE events',
      'WITH x AS (SELECT 1) INSERT INTO events SELECT * FROM events',
      "SELECT * FROM s3('http://127.0.0.1:9/b/k', 'CSV')",
    ];
    for (const sql of writes) {
      const r = await call('POST', '/v1/sql', { key: KEY_B, body: { sql } });
      refused(r.status, [400, 403], sql);
    }
    const limits: Array<[string, RegExp]> = [
      ['SELECT number FROM system.numbers LIMIT 100000', /rows|limit|TOO_MANY/i],
      ['SELECT sum(number) FROM numbers(100000000000)', /time|timeout|limit/i],
      ['SELECT groupArray(number) FROM numbers(100000000)', /memory|limit/i],
    ];
    const timings: Record<string, number> = {};
    for (const [sql, why] of limits) {
      const t0 = Date.now();
      const r = await call('POST', '/v1/sql', { key: KEY_B, body: { sql } });
      timings[sql] = Date.now() - t0;
      refused(r.status, [400], sql);
      expect(r.text).toMatch(why);
      expect(Date.now() - t0, `${sql} took too long`).toBeLessThan(15_000);
    }
    rec.detail('sqlLimitMs', timings);
    // Nothing was written, dropped, renamed or created (the ops consumer may still add events).
    expect(await state()).toEqual(before);
    expect(before.injected).toBe(0);
    const after = await running!.store.query<{ n: number }>('SELECT uniqExact(event_id) AS n FROM events');
    expect(Number(after[0]!.n)).toBeGreaterThanOrEqual(Number(events[0]!.n));
    expect((await call('POST', '/v1/sql', { key: KEY_B, body: { sql: 'EXISTS TABLE events' } })).status).toBe(200);
  });
});

describe('request limits', () => {
  it(`refuses bodies over ${BODY_LIMIT} bytes with 413, with or without a Content-Length`, async () => {
    const big = {
      source: 'simulated',
      source_event_id: '1',
      name: 'x'.repeat(BODY_LIMIT),
      venue: 'v',
      timezone: 'UTC',
      starts_at: '2027-01-01',
    };
    refused((await call('POST', '/v1/events', { key: KEY_A, body: big })).status, [413], 'a large body');
    refused(
      (await call('POST', '/v1/sql', { key: KEY_B, body: { sql: `SELECT '${'x'.repeat(10_000)}'` } })).status,
      [413],
      'large SQL',
    );
    // Chunked: no Content-Length, the size is only known while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${api}/v1/events`);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${KEY_A}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const body = JSON.stringify(big);
      for (let i = 0; i < body.length; i += 256) req.write(body.slice(i, i + 256));
      req.end();
    });
    refused(chunked, [413], 'a large chunked body');
  });

  it(`rate-limits each API key on its own (${RATE_PER_MINUTE} per minute)`, async () => {
    // The bucket refills continuously (one token a second at 60 per minute) while the loop runs, so
    // the first 429 comes after 60 requests plus about one per second the loop took: a loop of a
    // fixed 65 requests saw none on a busy machine. Up to twice the limit, then judge the count.
    let first429 = -1;
    let retryAfter: string | null = null;
    const t0 = Date.now();
    for (let i = 0; i < 2 * RATE_PER_MINUTE && first429 < 0; i++) {
      const r = await call('GET', '/v1/events?limit=1', { key: KEY_C });
      if (r.status === 429) {
        first429 = i;
        retryAfter = r.headers.get('retry-after');
      } else expect(r.status).toBe(200);
    }
    const seconds = (Date.now() - t0) / 1000;
    rec.detail('rateLimit', { perMinute: RATE_PER_MINUTE, first429AtRequest: first429 + 1, retryAfter, seconds });
    refused(first429 >= 0 ? 429 : 200, [429], 'over the rate limit');
    expect(first429).toBeGreaterThanOrEqual(RATE_PER_MINUTE - 2);
    expect(
      first429,
      `requests let through in ${seconds.toFixed(1)} s (limit ${RATE_PER_MINUTE} + 1 per second)`,
    ).toBeLessThanOrEqual(RATE_PER_MINUTE + Math.ceil((seconds * RATE_PER_MINUTE) / 60) + 1);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another key is not affected.
    expect((await call('GET', '/v1/events?limit=1', { key: KEY_A })).status).toBe(200);
  });

  it('answers CORS only for the configured origins, and not at all when none is configured', async () => {
    const preflight = (origin: string) =>
      call('OPTIONS', '/v1/events', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const ok = await preflight('https://dash.example');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('*');
    const get = await call('GET', '/v1/events?limit=1', { key: KEY_A, headers: { origin: 'https://dash.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    // The same API without TWS_CORS_ORIGINS sends no CORS headers at all.
    const plain = createApp({
      store: running!.store,
      config: { ...env.config.api, corsOrigins: [] },
      catalog: new EventCatalog({ store: running!.store }),
    });
    for (const origin of ['https://dash.example', 'https://evil.example']) {
      const r = await plain.request('/v1/events', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      const g = await plain.request('/v1/events?limit=1', { headers: { origin, authorization: `Bearer ${KEY_A}` } });
      expect(g.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('logs of the full run', () => {
  it('hold no API key, wrong key, password, token or Authorization value', async () => {
    await running!.stop();
    running = undefined;
    logger.flush();
    const log = readFileSync(logFile, 'utf8');
    const lines = log.split('\n').filter(Boolean);
    const found = Object.entries(SECRETS)
      .filter(([, s]) => log.includes(s))
      .map(([name]) => name);
    stats.leaks = found.length;
    rec.detail('logLines', lines.length);
    rec.detail('logLevels', countBy(lines.map((l) => String((JSON.parse(l) as { level?: number }).level))));
    rec.detail('secretsSearched', Object.keys(SECRETS));
    rec.detail('secretsFound', found);
    rec.detail('webhookCalls', hookCalls.length);
    rec.detail('fiveXX', fiveXX);
    rec.detail(
      'logErrors',
      lines
        .map((l) => JSON.parse(l) as { level: number; msg?: string; err?: unknown })
        .filter((l) => l.level >= 50)
        .map((l) => `${l.msg} ${JSON.stringify(l.err ?? '').slice(0, 300)}`)
        .slice(0, 10),
    );
    expect(lines.length, 'the run logged').toBeGreaterThan(20);
    expect(log).toMatch(/scrape job/);
    expect(log).toMatch(/ALERT/);
    expect(found).toEqual([]);
    expect(log).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
    expect(log).not.toMatch(/Basic\s+[A-Za-z0-9]/);
  });
});

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
