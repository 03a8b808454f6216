// Scenario 6c, random API parameters and bodies against the full app as `tws api` serves it
// (bin/roles.ts startApiRole: real HTTP, keys required for reads too, CORS configured, dashboard,
// readiness and lag from Kafka), with fast-check. test/api/fuzz.test.ts does this in-process with
// public reads; here every operation of the OpenAPI document is driven with every one of its
// parameters absent, good or hostile, with good, wrong or garbage keys, random content types and
// bodies (JSON, binary, over the size limit). No answer may be a 5xx or show a stack trace.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createContext, openStore, prepareTopics, startApiRole, type Handle } from '../../bin/roles.ts';
import { H0, HOUR, KEY, OTHER_KEY, iso, seed } from '../api/seed.ts';
import { profile } from './support/profile.ts';
import { Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv } from './support/scenario.ts';

const RUNS = profile.fuzz.apiRuns;
const BODY_LIMIT = 4096;
const rec = new Scenario('api-fuzz', 6.3, 'Random API parameters and bodies (full app, auth on)', 'requests');
const sampler = new RssSampler();
const env = scenarioEnv('api', {
  TWS_API_KEYS: `${KEY},${OTHER_KEY}`,
  TWS_API_READ_AUTH: 'key',
  TWS_CORS_ORIGINS: 'https://dash.example',
  TWS_API_PORT: '0',
  TWS_API_BODY_LIMIT_BYTES: String(BODY_LIMIT),
  TWS_API_RATE_LIMIT_PER_MINUTE: '1000000',
  TWS_SQL_MAX_EXECUTION_SECONDS: '2',
  TWS_SQL_MAX_RESULT_ROWS: '100',
});
let store: Store;
let api: Handle & { port: number };
let base: string;
let operations: Operation[];
const counts = { requests: 0, fiveXX: 0, byStatus: {} as Record<string, number> };

interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query' | 'header' }>;
  body: boolean;
}

beforeAll(async () => {
  const ctx = createContext(env.config, silentLogger);
  store = await openStore(ctx);
  await prepareTopics(ctx);
  await seed(store, new EventCatalog({ store }));
  api = await startApiRole(ctx, store);
  base = `http://127.0.0.1:${api.port}`;
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in as 'path' | 'query' | 'header' })),
      body: op.requestBody !== undefined,
    })),
  );
  sampler.watch('process', () => process.pid).start();
}, 120_000);

afterAll(async () => {
  sampler.stop();
  await api?.stop();
  await store?.close();
  rec.set({
    recordsIn: counts.requests,
    recordsOut: counts.requests - counts.fiveXX,
    lost: counts.fiveXX,
    duplicated: null,
    recoveryMs: null,
    recoveryWhat: 'n/a: "lost" counts 5xx answers',
    peakRssMb: sampler.peak(),
    rssWhat: 'test process (API)',
  });
  rec.detail('operations', operations?.length);
  rec.detail('statuses', counts.byStatus);
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

const INJECTIONS = [
  "' OR 1=1 --",
  "Orchestra' OR '1'='1",
  "'; DROP TABLE events; --",
  "') UNION ALL SELECT * FROM system.tables --",
  '{zone:String}',
  "file('/etc/passwd')",
  '1; SELECT 1',
  '\\',
  '%',
  '_',
  '*',
  '',
  ' ',
  '\u0000',
  '\u202e',
  '🎭',
  '../../../etc/passwd',
  'a'.repeat(3000),
  '-1',
  '1e309',
  '0x10',
  'NaN',
  '9999999999999999999999',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-02-30',
];
const nasty = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
);
const GOOD: Record<string, string[]> = {
  eventId: ['evt-a', 'evt-b', 'nope'],
  jobId: ['job-1', 'job-0'],
  zone: ['Orchestra', 'Balcony', 'Promo'],
  from: [iso(H0), iso(H0 - 24 * HOUR)],
  to: [iso(H0 + 3 * HOUR), iso(H0 + 48 * HOUR)],
  since: [iso(H0 - 24 * HOUR)],
  granularity: ['hourly', 'daily'],
  group_size: ['2', '4'],
  format: ['json', 'csv'],
  limit: ['1', '10', '1000'],
  offset: ['0', '1'],
  active: ['true', 'false'],
  event_id: ['evt-a'],
  level: ['ERROR', 'WARN'],
};
const valueFor = (name: string) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...(GOOD[name] ?? ['x'])) },
    { weight: 2, arbitrary: nasty },
  );
const authArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(`Bearer ${KEY}`, `Bearer ${OTHER_KEY}`) },
  fc.constantFrom(
    `Bearer ${KEY}`,
    `Bearer ${KEY}`,
    `Bearer ${OTHER_KEY}`,
    `Bearer ${KEY}x`,
    'Bearer ',
    'Basic dXNlcjpwYXNz',
  ),
  fc.constant(undefined),
  nasty.map((s) => `Bearer ${s}`),
);
const bodyArb = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        event_id: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), nasty),
        source: fc.oneof(fc.constantFrom('simulated', 'vividseats'), nasty),
        source_event_id: fc.oneof(fc.stringMatching(/^[0-9]{1,9}$/), nasty),
        name: nasty,
        venue: nasty,
        timezone: fc.oneof(fc.constantFrom('UTC', 'Europe/Paris'), nasty),
        starts_at: fc.oneof(fc.constantFrom('2027-01-01T20:00:00Z'), nasty),
        capacity: fc.oneof(fc.integer(), fc.constant(null), nasty),
        active: fc.oneof(fc.boolean(), nasty),
        sql: fc.oneof(
          nasty,
          nasty.map((s) => `SELECT * FROM events WHERE event_id = '${s}'`),
        ),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u).toString('latin1')),
  fc.constantFrom('{"sql":"SELECT 1"}', '{', '[]', 'null', `{"name":"${'x'.repeat(BODY_LIMIT + 10)}"}`),
);
const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
);
const STACK = /\n\s+at\s|\bat\s[^\s]+\.(ts|js|mjs|cjs):\d+|node_modules|Stack trace/;
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '');

async function call(method: string, path: string, headers: Record<string, string>, body?: string) {
  counts.requests++;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  });
  const text = await res.text();
  counts.byStatus[res.status] = (counts.byStatus[res.status] ?? 0) + 1;
  if (res.status >= 500) counts.fiveXX++;
  expect(res.status, `${method} ${path}: ${text.slice(0, 200)}`).toBeLessThan(500);
  expect(text).not.toMatch(STACK);
  if (res.status >= 400 && text !== '' && (res.headers.get('content-type') ?? '').includes('json')) {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    expect(typeof parsed.error?.code).toBe('string');
  }
  return { status: res.status, text };
}

describe('random requests to the full API', () => {
  it('every operation, every parameter: absent, good or hostile, never a 5xx', async () => {
    const opArb = fc.integer({ min: 0, max: 1_000 }).chain((i) => {
      const op = operations[i % operations.length]!;
      return fc.record({
        op: fc.constant(op),
        values: fc.tuple(...op.params.map((p) => valueFor(p.name))),
        auth: authArb,
        body: bodyArb,
        contentType: contentTypeArb,
        origin: fc.constantFrom(undefined, 'https://dash.example', 'https://evil.example', 'null'),
      });
    });
    await fc.assert(
      fc.asyncProperty(opArb, async ({ op, values, auth, body, contentType, origin }) => {
        let path = op.path;
        const query = new URLSearchParams();
        const headers: Record<string, string> = {};
        op.params.forEach((p, i) => {
          const v = values[i] as string | undefined;
          if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(v ?? 'evt-a'));
          else if (p.in === 'query' && v !== undefined) query.append(p.name, v);
          else if (p.in === 'header' && v !== undefined) headers[p.name] = printable(v);
        });
        if (auth !== undefined) headers.authorization = printable(auth);
        if (contentType) headers['content-type'] = contentType;
        if (origin) headers.origin = origin;
        const qs = query.toString();
        const r = await call(op.method, `${path}${qs ? `?${qs}` : ''}`, headers, op.body ? body : undefined);
        // Without a key: refused (the body limit comes before the key check, so 413 too), never served.
        if (path.startsWith('/v1/') && auth === undefined) expect([401, 404, 405, 413, 429]).toContain(r.status);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('odd paths, methods and headers never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(nasty, fc.constantFrom('v1', 'events', 'evt-a', 'zones', 'sql', 'jobs', 'dashboard', 'docs')),
          {
            maxLength: 5,
          },
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        authArb,
        fc.option(fc.constantFrom('text/csv', 'application/json', '*/*', 'text/html;q=0.1'), { nil: undefined }),
        async (segments, method, auth, accept) => {
          const headers: Record<string, string> = {};
          if (auth !== undefined) headers.authorization = printable(auth);
          if (accept) headers.accept = accept;
          const path = `/${segments.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))).join('/')}`;
          await call(method, path, headers, method === 'GET' || method === 'HEAD' ? undefined : '{}');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('left the tables and the seeded data in place', async () => {
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'zone_snapshots', 'scrape_jobs', 'scraper_logs') ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['events', 'scrape_jobs', 'scraper_logs', 'zone_snapshots']);
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM zone_snapshots');
    expect(Number(row!.n)).toBe(11);
  });
});
