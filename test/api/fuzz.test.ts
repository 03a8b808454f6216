// Property tests over the parameters and bodies of every endpoint: whatever comes in, the API
// never answers 5xx and never shows a stack trace; SQL-injection strings are rejected (400) or
// treated as plain values (404, or 200 without extra rows); text that POST and PATCH accept is
// read back verbatim; and the tables are still there after.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { isPrintable } from '../../api/schemas/common.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { H0, HOUR, KEY, apiConfig, iso, openStore, seed } from './seed.ts';

/** Parsed response bodies are checked field by field; their static type adds nothing here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

let store: Store;
let app: ReturnType<typeof createApp>;
const RUNS = Number(process.env.TWS_FUZZ_RUNS ?? 60);

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seed(store, catalog);
  app = createApp({ store, config: apiConfig(), catalog });
});
afterAll(async () => {
  await store?.close();
});

const INJECTIONS = [
  "' OR 1=1 --",
  "Orchestra' OR '1'='1",
  '"; DROP TABLE events; --',
  "'; DROP TABLE events; --",
  "\\'",
  '\\',
  "Orchestra\\' OR 1=1 --",
  "') UNION ALL SELECT * FROM system.tables --",
  '{zone:String}',
  '{event_id:String}',
  "file('/etc/passwd')",
  '1; SELECT 1',
  '%27%20OR%201%3D1',
  'NULL',
  '*',
  '%',
  '_',
  '',
  ' ',
  'Orchestra ',
  'orchestra',
  'Оркестр',
  '二階席',
  '🎭',
  '\u202eartsehcrO',
  '\u0000',
  '\ud800',
  '../../../etc/passwd',
  'a'.repeat(300),
  "2026-01-01T00:00:00Z' OR '1'='1",
  '-1',
  '1e309',
  '0x10',
  'true',
];

const nasty = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

/** A parameter: absent, a good value, or something nasty. */
const param = (...good: string[]) =>
  fc.oneof(fc.constant(undefined), fc.constantFrom(...good), nasty) as fc.Arbitrary<string | undefined>;

const eventIdArb = fc.oneof(fc.constantFrom('evt-a', 'evt-b', 'unknown-1'), nasty);

const STACK = /\n\s+at\s|\bat\s[^\s]+\.(ts|js|mjs|cjs):\d+|node_modules|Stack trace/;

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 bytes a raw client could send. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.append(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function expectSafe(res: Response): Promise<{ status: number; body: Body; text: string }> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBeLessThan(500);
  expect(text).not.toMatch(STACK);
  let body: Body = text;
  if ((res.headers.get('Content-Type') ?? '').startsWith('application/json')) body = JSON.parse(text);
  if (res.status >= 400) {
    expect(body.error.code).toEqual(expect.any(String));
    expect(body.error.message).toEqual(expect.any(String));
  }
  return { status: res.status, body, text };
}

const SEEDED_ZONES: Record<string, string[]> = { 'evt-a': ['Orchestra', 'Balcony'], 'evt-b': ['Orchestra', 'Promo'] };
const times = [iso(H0), iso(H0 + 3 * HOUR), '2026-01-01', iso(H0 - 30 * 24 * HOUR)];

describe('fuzzing every endpoint', () => {
  it.each([
    ['price-trend', {}],
    ['group-price-trend', {}],
    ['inventory-trend', {}],
    ['candles', {}],
  ])('GET /v1/events/{eventId}/%s: 400 or 404 for anything but a seeded zone, never 5xx', async (endpoint) => {
    await fc.assert(
      fc.asyncProperty(
        eventIdArb,
        param('Orchestra', 'Balcony', 'Promo'),
        param(...times),
        param(...times),
        param('hourly', 'daily'),
        param('2', '4'),
        param('json', 'csv'),
        async (eventId, zone, from, to, granularity, groupSize, format) => {
          const path = `/v1/events/${enc(eventId)}/${endpoint}${query({ zone, from, to, granularity, group_size: groupSize, format })}`;
          const r = await expectSafe(await app.request(path));
          expect([200, 400, 404], path).toContain(r.status);
          if (r.status === 200) {
            expect(SEEDED_ZONES[eventId] ?? [], `200 for zone ${JSON.stringify(zone)} of ${eventId}`).toContain(zone);
            if (typeof r.body === 'object') {
              expect(r.body.event_id).toBe(eventId);
              expect(r.body.zone).toBe(zone);
              expect(r.body.points.length).toBeLessThanOrEqual(24 * 31);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('GET /v1/events/{eventId} and /zones: 400 or 404 for unknown ids, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(eventIdArb, fc.boolean(), async (eventId, zones) => {
        const path = `/v1/events/${enc(eventId)}${zones ? '/zones' : ''}`;
        const r = await expectSafe(await app.request(path));
        // The seeded events are found; anything else is a bad id (400) or an unknown one (404).
        if (['evt-a', 'evt-b'].includes(eventId)) expect(r.status, path).toBe(200);
        else expect([400, 404], path).toContain(r.status);
        if (r.status === 200 && zones) expect(r.body.zones.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /v1/events, /v1/jobs, /v1/jobs/{jobId}, /v1/logs: never 5xx, injected filters find nothing extra', async () => {
    await fc.assert(
      fc.asyncProperty(
        param('true', 'false'),
        param('1', '10', '1000'),
        param('0', '1'),
        fc.oneof(fc.constantFrom('job-1', 'job-0'), nasty),
        param('evt-a', 'evt-b'),
        param(...times),
        async (active, limit, offset, jobId, eventId, since) => {
          const events = await expectSafe(await app.request(`/v1/events${query({ active, limit, offset })}`));
          if (events.status === 200) expect(events.body.events.length).toBeLessThanOrEqual(Number(limit ?? 100));
          const jobs = await expectSafe(await app.request(`/v1/jobs${query({ limit })}`));
          if (jobs.status === 200) expect(jobs.body.jobs.length).toBeLessThanOrEqual(2);
          const job = await expectSafe(await app.request(`/v1/jobs/${enc(jobId)}`));
          if (job.status === 200) expect(['job-1', 'job-0']).toContain(jobId);
          const logs = await expectSafe(await app.request(`/v1/logs${query({ event_id: eventId, since, limit })}`));
          if (logs.status === 200) {
            expect(logs.body.logs.length).toBeLessThanOrEqual(3);
            if (eventId !== undefined) for (const l of logs.body.logs) expect(l.event_id).toBe(eventId);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('POST and PATCH /v1/events: any JSON body gives 2xx or 4xx; injected strings are stored as plain text', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          event_id: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), nasty),
          source: fc.oneof(fc.constantFrom('simulated', 'vividseats'), nasty),
          source_event_id: fc.oneof(fc.stringMatching(/^[0-9]{1,9}$/), nasty),
          name: nasty,
          venue: nasty,
          timezone: fc.oneof(fc.constantFrom('UTC', 'Europe/Paris'), nasty),
          starts_at: fc.oneof(fc.constantFrom('2027-01-01', '2027-01-01T20:00:00Z'), nasty),
          capacity: fc.oneof(fc.integer(), fc.constant(null), fc.double(), nasty),
          active: fc.oneof(fc.boolean(), nasty),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('POST', 'PATCH'), async (b, method) => {
        const path = method === 'POST' ? '/v1/events' : '/v1/events/evt-b';
        const payload =
          method === 'PATCH' && b && typeof b === 'object' && !Array.isArray(b)
            ? { ...b, event_id: undefined, active: undefined }
            : b;
        const res = await app.request(path, {
          method,
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
          body: JSON.stringify(payload),
        });
        const r = await expectSafe(res);
        // What the document lists for these operations (evt-b exists, so no 404 for the PATCH).
        expect(method === 'POST' ? [201, 400, 409, 413] : [200, 400, 413], `${method}: ${r.text}`).toContain(r.status);
        if (r.status === 201 || r.status === 200) {
          const stored = await expectSafe(await app.request(`/v1/events/${encodeURIComponent(r.body.event_id)}`));
          expect(stored.status).toBe(200);
          // Read back as sent: every text field the body set, and as the write answered.
          for (const k of ['name', 'venue', 'timezone'] as const) {
            const sent = (payload as Record<string, unknown>)[k];
            if (typeof sent === 'string') expect(stored.body[k], k).toBe(sent);
          }
          expect({ ...stored.body, last_scraped_at: undefined }).toMatchObject({
            ...r.body,
            last_scraped_at: undefined,
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/events: injection strings in text fields are stored and read back verbatim', async () => {
    let n = 0;
    const printable = nasty.filter((x) => x.length > 0 && x.length <= 300 && isPrintable(x));
    await fc.assert(
      fc.asyncProperty(printable, printable, async (name, venue) => {
        const id = `fuzz-${++n}`;
        const created = await expectSafe(
          await app.request('/v1/events', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
            body: JSON.stringify({
              event_id: id,
              source: 'simulated',
              source_event_id: String(n),
              name,
              venue,
              timezone: 'UTC',
              starts_at: '2027-01-01',
            }),
          }),
        );
        expect(created.status, created.text).toBe(201);
        const stored = await expectSafe(await app.request(`/v1/events/${id}`));
        expect(stored.body).toMatchObject({ event_id: id, name, venue });
      }),
      { numRuns: RUNS },
    );
    const evtA = await expectSafe(await app.request('/v1/events/evt-a'));
    expect(evtA.body.name).toBe('Hamilton');
  });

  it('PATCH /v1/events/{eventId}: injection strings in text fields are stored and read back verbatim', async () => {
    const printable = nasty.filter((x) => x.length > 0 && x.length <= 300 && isPrintable(x));
    let version = 0;
    await fc.assert(
      fc.asyncProperty(printable, printable, async (name, venue) => {
        const before = (await expectSafe(await app.request('/v1/events/evt-b'))).body;
        const patched = await expectSafe(
          await app.request('/v1/events/evt-b', {
            method: 'PATCH',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
            body: JSON.stringify({ name, venue }),
          }),
        );
        expect(patched.status, patched.text).toBe(200);
        // The two fields change; the others stay as they were (an earlier test may have patched them).
        const { source, source_event_id, timezone, starts_at, capacity, active } = before;
        const unchanged = { source, source_event_id, timezone, starts_at, capacity, active };
        expect(patched.body).toMatchObject({ event_id: 'evt-b', name, venue, ...unchanged });
        expect(patched.body.version).toBeGreaterThan(version);
        version = patched.body.version;
        const stored = await expectSafe(await app.request('/v1/events/evt-b'));
        expect(stored.body).toMatchObject({ event_id: 'evt-b', name, venue, version, ...unchanged });
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/sql: arbitrary text is a 200, 400 or 403, never 5xx', async () => {
    const sqlArb = fc.oneof(
      nasty,
      fc.constantFrom(...INJECTIONS.map((s) => `SELECT * FROM events WHERE event_id = '${s}'`)),
      fc.constantFrom(...INJECTIONS.map((s) => `SELECT ${s}`)),
      fc.string({ maxLength: 80 }).map((s) => `SELECT ${s}`),
    );
    await fc.assert(
      fc.asyncProperty(sqlArb, param('json', 'csv'), async (sql, format) => {
        const res = await app.request('/v1/sql', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
          body: JSON.stringify({ sql, format }),
        });
        const r = await expectSafe(res);
        expect([200, 400, 403]).toContain(r.status);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('odd paths, methods and headers never give 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(nasty, fc.constantFrom('v1', 'events', 'evt-a', 'zones', 'sql', 'jobs')), { maxLength: 5 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        fc.option(nasty, { nil: undefined }),
        fc.option(fc.constantFrom('text/csv', 'application/json', '*/*', 'text/csv;q=0.1, application/json'), {
          nil: undefined,
        }),
        async (segments, method, authz, accept) => {
          const headers: Record<string, string> = {};
          if (authz !== undefined && /^[\x20-\x7e]*$/.test(authz)) headers.Authorization = `Bearer ${authz}`;
          if (accept) headers.Accept = accept;
          const path = `/${segments.map(enc).join('/')}`;
          const res = await app.request(path, { method, headers });
          expect(res.status, path).toBeLessThan(500);
          expect(await res.text()).not.toMatch(STACK);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('raw malformed percent-encoding and invalid UTF-8 in paths and queries give 4xx', async () => {
    for (const path of [
      '/v1/events/%zz',
      '/v1/events/%E0%A4%A',
      '/v1/events/%ED%A0%80/zones',
      '/v1/events/evt-a/price-trend?zone=%zz',
      '/v1/events/evt-a/price-trend?zone=%ED%A0%80',
      '/v1/events/evt-a/price-trend?zone=Orchestra%00',
      '/v1/logs?event_id=%27%20OR%201%3D1%20--',
      '/v1/events/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    ]) {
      const r = await expectSafe(await app.request(path));
      expect(r.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('left the tables in place and the seeded data untouched', async () => {
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'zone_snapshots', 'scrape_jobs', 'scraper_logs') ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['events', 'scrape_jobs', 'scraper_logs', 'zone_snapshots']);
    const [{ n }] = (await store.query<{ n: number }>('SELECT count() AS n FROM zone_snapshots')) as [{ n: number }];
    expect(n).toBe(11);
    const r = await app.request(`/v1/events/evt-a/price-trend?zone=Orchestra&from=${iso(H0)}&to=${iso(H0 + 2 * HOUR)}`);
    expect(((await r.json()) as { points: unknown[] }).points).toHaveLength(2);
  });
});
