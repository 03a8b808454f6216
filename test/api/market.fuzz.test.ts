// Property tests over the parameters of the market-signal endpoints, as test/api/fuzz.test.ts does for
// the others: whatever comes in, never a 5xx or a stack trace; an injected zone, kind, event id or
// cursor is rejected (400) or read as a plain value (404, or 200 with nothing it should not have):
// the seeded rows are the only ones any answer can hold.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { CHANGES, D0, D1, seedMarket } from './market-seed.ts';
import { DAY, apiConfig, iso, openStore } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

let store: Store;
let app: ReturnType<typeof createApp>;
const RUNS = Number(process.env.TWS_FUZZ_RUNS ?? 60);

beforeAll(async () => {
  store = await openStore();
  await seedMarket(store, new EventCatalog({ store }));
  app = createApp({ store, config: apiConfig(), catalog: new EventCatalog({ store }) });
});
afterAll(async () => {
  await store?.close();
});

const INJECTIONS = [
  "' OR 1=1 --",
  "Floor' OR '1'='1",
  "'; DROP TABLE listing_changes; --",
  "\\'",
  '\\',
  "') UNION ALL SELECT * FROM system.tables --",
  '{zone:String}',
  '{kinds:Array(String)}',
  "file('/etc/passwd')",
  '%27%20OR%201%3D1',
  'NULL',
  '*',
  '%',
  '',
  ' ',
  ',',
  ',,,',
  'removed,',
  'removed,sold',
  'mkt-a,',
  'mkt-a,mkt-a',
  'Floor ',
  'floor',
  '🎭',
  '\u0000',
  '\ud800',
  'a'.repeat(300),
  '-1',
  '1e309',
  '0x10',
  'WyIxIiwgMSwgInJlbW92ZWQiXQ',
  'W10',
];

const nasty = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
const param = (...good: string[]) =>
  fc.oneof(fc.constant(undefined), fc.constantFrom(...good), nasty) as fc.Arbitrary<string | undefined>;
const eventIdArb = fc.oneof(fc.constantFrom('mkt-a', 'mkt-b', 'unknown-1'), nasty);
const times = [iso(D0), iso(D1), iso(D0 + 2 * DAY), '2026-01-01'];
const STACK = /\n\s+at\s|\bat\s[^\s]+\.(ts|js|mjs|cjs):\d+|node_modules|Stack trace/;

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

async function expectSafe(res: Response): Promise<{ status: number; body: Body }> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBeLessThan(500);
  expect(text).not.toMatch(STACK);
  let body: Body = text;
  if ((res.headers.get('Content-Type') ?? '').startsWith('application/json')) body = JSON.parse(text);
  if (res.status >= 400) {
    expect(body.error.code).toEqual(expect.any(String));
    expect(body.error.message).toEqual(expect.any(String));
  }
  return { status: res.status, body };
}

const ZONES: Record<string, string[]> = { 'mkt-a': ['Floor', 'Upper'], 'mkt-b': ['Floor'] };

describe('fuzzing the market endpoints', () => {
  it('GET /v1/events/{eventId}/sales: 200 only for a seeded event and zone, else 400 or 404, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventIdArb,
        param('Floor', 'Upper'),
        param(...times),
        param(...times),
        param('hourly', 'daily'),
        param('json', 'csv'),
        async (eventId, zone, from, to, granularity, format) => {
          const path = `/v1/events/${enc(eventId)}/sales${query({ zone, from, to, granularity, format })}`;
          const r = await expectSafe(await app.request(path));
          expect([200, 400, 404], path).toContain(r.status);
          if (r.status === 200 && typeof r.body === 'object') {
            expect(ZONES[eventId], path).toBeDefined();
            if (zone !== undefined) expect(ZONES[eventId], path).toContain(zone);
            for (const p of r.body.points) expect(ZONES[eventId]).toContain(p.zone);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('GET /v1/events/{eventId}/listing-changes: only seeded changes, of the kinds and zone asked', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventIdArb,
        param('removed', 'new,qty_drop', 'returned,removed,price_change'),
        param('Floor', 'Upper'),
        param(...times),
        param('1', '3', '1000'),
        fc.oneof(fc.constant(undefined), nasty) as fc.Arbitrary<string | undefined>,
        async (eventId, kind, zone, from, limit, cursor) => {
          const path = `/v1/events/${enc(eventId)}/listing-changes${query({ kind, zone, from, limit, cursor })}`;
          const r = await expectSafe(await app.request(path));
          expect([200, 400, 404], path).toContain(r.status);
          if (r.status !== 200) return;
          expect(r.body.changes.length).toBeLessThanOrEqual(Math.min(Number(limit ?? 100), CHANGES.length));
          for (const c of r.body.changes) {
            expect(eventId).toBe('mkt-a');
            const kinds = (kind ?? '')
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean);
            if (kinds.length > 0) expect(kinds).toContain(c.kind);
            if (zone !== undefined) expect(c.zone).toBe(zone);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('GET /v1/compare: series only for seeded events, 404 naming an unknown one, 400 for the rest', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('mkt-a', 'mkt-a,mkt-b', 'mkt-b,unknown-1'), nasty) as fc.Arbitrary<string>,
        param('Floor', 'Upper'),
        param('get_in', 'get_in_2', 'median'),
        param('days_to_event'),
        param('30', '5', '365'),
        async (events, zone, metric, by, index) => {
          const path = `/v1/compare${query({ events, zone, metric, by, index })}`;
          const r = await expectSafe(await app.request(path));
          expect([200, 400, 404], path).toContain(r.status);
          if (r.status === 200) {
            for (const s of r.body.series) {
              expect(['mkt-a', 'mkt-b']).toContain(s.event_id);
              expect(s.points.length).toBeLessThanOrEqual(4);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('leaves the tables in place', async () => {
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM listing_changes');
    expect(Number(row!.n)).toBe(CHANGES.length);
  });
});
