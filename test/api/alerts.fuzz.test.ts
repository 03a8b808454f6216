// Property tests over /v1/alerts (fast-check): whatever the body, path or query, the API never answers
// 5xx, never shows a stack, names the field of a 400, never echoes a target's URL path or secret,
// creates a rule only from a valid body, and leaves the tables in place.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { AlertRules } from '../../lib/alerts/rules.ts';
import { SecretBox } from '../../lib/alerts/secret-box.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { KEY, apiConfig, openStore, seed } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

let store: Store;
let app: ReturnType<typeof createApp>;
let ruleId: string;
const RUNS = Number(process.env.TWS_FUZZ_RUNS ?? 60);
const STACK = /\n\s+at\s|\bat\s[^\s]+\.(ts|js|mjs|cjs):\d+|node_modules|Stack trace/;
const SECRET_MARK = 'SECRETMARK';
const PATH_MARK = 'PATHMARK';

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seed(store, catalog);
  const alertRules = new AlertRules({ store, box: new SecretBox(randomBytes(32)) });
  app = createApp({ store, config: apiConfig({ bodyLimitBytes: 16_384 }), catalog, alertRules });
  const r = await app.request('/v1/alerts', {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'fuzz',
      event_id: 'evt-a',
      condition: { type: 'below', price: 10 },
      targets: [{ url: 'https://x.example/', secret: 'whsec_0123456789abcdef' }],
    }),
  });
  ruleId = ((await r.json()) as Body).rule_id;
});
afterAll(async () => {
  await store?.close();
});

const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` };

const INJECTIONS = [
  "' OR 1=1 --",
  "evt-a' OR '1'='1",
  '"; DROP TABLE alert_rules; --',
  '{event:String}',
  "file('/etc/passwd')",
  '../../../etc/passwd',
  '\u0000',
  '\ud800',
  '🎭',
  'a'.repeat(300),
  '',
  ' ',
  'NaN',
  '1e309',
];
const nasty = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const anyValue = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]));

const url = fc.oneof(
  fc.constantFrom(
    `https://hooks.example.com/${PATH_MARK}/abc`,
    `http://127.0.0.1:9/${PATH_MARK}`,
    'ftp://x.example/y',
    `http://169.254.169.254/${PATH_MARK}`,
    `https://user:pw@x.example/${PATH_MARK}`,
  ),
  nasty,
);
const target = fc.record(
  {
    url,
    format: maybe(fc.oneof(fc.constantFrom('json', 'slack', 'discord'), nasty)),
    secret: maybe(fc.oneof(fc.constant(`${SECRET_MARK}_0123456789`), fc.constant(null), nasty)),
  },
  { requiredKeys: [] },
);
const condition = fc.oneof(
  fc.record({ type: fc.constant('below'), price: fc.oneof(fc.double({ min: -10, max: 2e6 }), anyValue) }),
  fc.record({
    type: fc.constant('drop_pct'),
    pct: fc.oneof(fc.integer({ min: -5, max: 120 }), anyValue),
    window_seconds: maybe(fc.oneof(fc.integer({ min: 0, max: 40_000_000 }), anyValue)),
  }),
  fc.record({ type: fc.constant('new_low'), window_seconds: maybe(fc.oneof(fc.integer(), fc.constant(null))) }),
  fc.record({ type: fc.constant('inventory_below'), tickets: fc.oneof(fc.integer({ min: -1, max: 100 }), anyValue) }),
  fc.record({ type: fc.constant('new_listings'), min_new: maybe(fc.integer({ min: -1, max: 10 })) }),
  fc.record({ type: nasty }),
  anyValue,
);
const body = fc.record(
  {
    name: fc.oneof(fc.constantFrom('Floor under $100', 'x'), nasty),
    event_id: fc.oneof(fc.constantFrom('evt-a', 'evt-b', 'evt-none'), nasty),
    zone: maybe(fc.oneof(fc.constantFrom('Orchestra', 'Balcony'), fc.constant(null), nasty)),
    section: maybe(fc.oneof(fc.constant('101'), fc.constant(null), nasty)),
    basis: maybe(fc.oneof(fc.constantFrom('all_in', 'base'), nasty)),
    group_size: maybe(fc.oneof(fc.constantFrom(1, 2, 3, 4), anyValue)),
    condition,
    cooldown_seconds: maybe(fc.oneof(fc.integer({ min: -10, max: 40_000_000 }), anyValue)),
    rearm_drop_pct: maybe(fc.oneof(fc.double({ min: -1, max: 101 }), fc.constant(null), anyValue)),
    targets: fc.oneof(fc.array(target, { maxLength: 6 }), anyValue),
    active: maybe(fc.oneof(fc.boolean(), anyValue)),
    extra: maybe(anyValue),
  },
  { requiredKeys: [] },
);

async function expectSafe(res: Response): Promise<{ status: number; body: Body; text: string }> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBeLessThan(500);
  expect(text).not.toMatch(STACK);
  expect(text).not.toContain(SECRET_MARK);
  expect(text).not.toContain(PATH_MARK);
  const parsed: Body = JSON.parse(text);
  if (res.status === 400) expect(parsed.error.field, text).toEqual(expect.any(String));
  return { status: res.status, body: parsed, text };
}

const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

describe('fuzzing /v1/alerts', () => {
  it('POST: 201 only for a valid rule, otherwise 400 naming the field; never 5xx, never a secret back', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const r = await expectSafe(
          await app.request('/v1/alerts', { method: 'POST', headers, body: JSON.stringify(b) }),
        );
        expect([201, 400, 413]).toContain(r.status);
        if (r.status === 201) {
          expect(r.body.event_id).toBe(b.event_id);
          expect(['evt-a', 'evt-b']).toContain(b.event_id);
          for (const t of r.body.targets) expect(t.url).toMatch(/^https?:\/\/[^/]+\/…$/);
        }
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('PATCH: 200, 400 or 404, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(ruleId), fc.constant('alr_0000000000000000'), nasty),
        body,
        async (id, b) => {
          const r = await expectSafe(
            await app.request(`/v1/alerts/${enc(id)}`, { method: 'PATCH', headers, body: JSON.stringify(b) }),
          );
          expect([200, 400, 404, 413]).toContain(r.status);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('GET and DELETE with any id or query: never 5xx; injection strings are only values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(ruleId), nasty),
        maybe(fc.oneof(fc.constantFrom('evt-a', 'evt-b'), nasty)),
        maybe(fc.oneof(fc.constantFrom('1', '5', '1000'), nasty)),
        async (id, eventId, limit) => {
          const q = new URLSearchParams();
          if (eventId !== undefined) q.set('event_id', eventId);
          if (limit !== undefined) q.set('limit', limit);
          const list = await expectSafe(await app.request(`/v1/alerts?${q}`));
          if (list.status === 200 && eventId !== undefined)
            for (const rule of list.body.rules) expect(rule.event_id).toBe(eventId);
          if (eventId !== undefined) q.delete('limit');
          await expectSafe(await app.request(`/v1/alerts/firings?${q}&rule_id=${enc(id)}`));
          const one = await expectSafe(await app.request(`/v1/alerts/${enc(id)}`));
          expect([200, 400, 404]).toContain(one.status);
          if (id !== ruleId) {
            const del = await expectSafe(await app.request(`/v1/alerts/${enc(id)}`, { method: 'DELETE', headers }));
            expect([400, 404]).toContain(del.status);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('left every alert table in place, and the fuzzed rule still there', async () => {
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'alert_%' ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['alert_deliveries', 'alert_firings', 'alert_rules', 'alert_state']);
    expect((await app.request(`/v1/alerts/${ruleId}`)).status).toBe(200);
  });
});
