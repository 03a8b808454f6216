// The OpenAPI 3.1 document is generated from the same zod schemas that validate requests. Here real
// responses of every documented operation are validated against the DOCUMENT (JSON Schema 2020-12,
// ajv), so the document cannot drift from what the API sends.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { BASE, DAY, H0, HOUR, KEY, apiConfig, iso, openStore, seed } from './seed.ts';

/** Parsed response bodies are checked field by field; their static type adds nothing here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

let store: Store;
let app: ReturnType<typeof createApp>;
let doc: Body;
let ajv: Ajv2020;

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seed(store, catalog);
  app = createApp({ store, config: apiConfig(), catalog, kafkaReady: async () => true });
  doc = await (await app.request('/openapi.json')).json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
});
afterAll(async () => {
  await store?.close();
});

const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Validates a response against the schema the document gives for (path template, method, status). */
async function check(template: string, method: string, res: Response): Promise<void> {
  const op = doc.paths[template]?.[method];
  expect(op, `${method} ${template} is documented`).toBeDefined();
  const status = String(res.status);
  expect(op.responses[status], `${method} ${template} documents ${status}`).toBeDefined();
  const contentType = (res.headers.get('Content-Type') ?? '').split(';')[0]!.trim();
  const media = op.responses[status].content?.[contentType];
  expect(media, `${method} ${template} ${status} documents ${contentType}`).toBeDefined();
  const body = contentType === 'application/json' ? await res.json() : await res.text();
  const ref = `openapi.json#/paths/${pointer(template)}/${method}/responses/${status}/content/${pointer(contentType)}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  const ok = validate(body);
  expect(
    ok,
    `${method} ${template} ${status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
  ).toBe(true);
}

const json = { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` };
const r3h = `zone=Orchestra&from=${iso(H0)}&to=${iso(H0 + 3 * HOUR)}`;
const rDaily = `zone=Orchestra&granularity=daily&from=${iso(BASE)}&to=${iso(BASE + 2 * DAY)}`;

type Case = [template: string, method: string, path: string, status: number, init?: RequestInit];

const cases: Case[] = [
  ['/healthz', 'get', '/healthz', 200],
  ['/readyz', 'get', '/readyz', 200],
  ['/metrics', 'get', '/metrics', 200],
  ['/v1/events', 'get', '/v1/events', 200],
  ['/v1/events', 'get', '/v1/events?active=true&limit=1', 200],
  ['/v1/events', 'get', '/v1/events?limit=0', 400],
  [
    '/v1/events',
    'post',
    '/v1/events',
    201,
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        source: 'simulated',
        source_event_id: '9',
        name: 'N',
        venue: 'V',
        timezone: 'UTC',
        starts_at: '2027-01-01',
      }),
    },
  ],
  [
    '/v1/events',
    'post',
    '/v1/events',
    401,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' },
  ],
  [
    '/v1/events',
    'post',
    '/v1/events',
    409,
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        event_id: 'evt-a',
        source: 'simulated',
        source_event_id: '1',
        name: 'N',
        venue: 'V',
        timezone: 'UTC',
        starts_at: '2027-01-01',
      }),
    },
  ],
  ['/v1/events/{eventId}', 'get', '/v1/events/evt-a', 200],
  ['/v1/events/{eventId}', 'get', '/v1/events/evt-b', 200],
  ['/v1/events/{eventId}', 'get', '/v1/events/nope', 404],
  [
    '/v1/events/{eventId}',
    'patch',
    '/v1/events/simulated-9',
    200,
    { method: 'PATCH', headers: json, body: JSON.stringify({ capacity: 10 }) },
  ],
  [
    '/v1/events/{eventId}',
    'patch',
    '/v1/events/simulated-9',
    400,
    { method: 'PATCH', headers: json, body: JSON.stringify({ capacity: 0 }) },
  ],
  ['/v1/events/{eventId}', 'delete', '/v1/events/simulated-9', 200, { method: 'DELETE', headers: json }],
  ['/v1/events/{eventId}', 'delete', '/v1/events/nope', 404, { method: 'DELETE', headers: json }],
  ['/v1/events/{eventId}/zones', 'get', '/v1/events/evt-a/zones', 200],
  ['/v1/events/{eventId}/zones', 'get', '/v1/events/nope/zones', 404],
  ['/v1/events/{eventId}/price-trend', 'get', `/v1/events/evt-a/price-trend?${r3h}`, 200],
  ['/v1/events/{eventId}/price-trend', 'get', `/v1/events/evt-a/price-trend?${rDaily}`, 200],
  ['/v1/events/{eventId}/price-trend', 'get', `/v1/events/evt-a/price-trend?${r3h}&format=csv`, 200],
  ['/v1/events/{eventId}/price-trend', 'get', '/v1/events/evt-a/price-trend?zone=Orchestra&from=x', 400],
  ['/v1/events/{eventId}/price-trend', 'get', `/v1/events/evt-a/price-trend?zone=Nope`, 404],
  ['/v1/events/{eventId}/group-price-trend', 'get', `/v1/events/evt-a/group-price-trend?${r3h}&group_size=2`, 200],
  ['/v1/events/{eventId}/group-price-trend', 'get', `/v1/events/evt-a/group-price-trend?${rDaily}&group_size=4`, 200],
  ['/v1/events/{eventId}/inventory-trend', 'get', `/v1/events/evt-a/inventory-trend?${r3h}`, 200],
  [
    '/v1/events/{eventId}/inventory-trend',
    'get',
    `/v1/events/evt-b/inventory-trend?zone=Orchestra&from=${iso(H0)}&to=${iso(H0 + 2 * HOUR)}`,
    200,
  ],
  ['/v1/events/{eventId}/candles', 'get', `/v1/events/evt-a/candles?${r3h}`, 200],
  ['/v1/events/{eventId}/candles', 'get', `/v1/events/evt-a/candles?${r3h}&source=gametime`, 404],
  ['/v1/events/{eventId}/price-trend', 'get', `/v1/events/evt-a/price-trend?${r3h}&source=nowhere`, 400],
  ['/v1/sources', 'get', '/v1/sources', 200],
  ['/v1/events/{eventId}/sources', 'get', '/v1/events/evt-a/sources', 200],
  ['/v1/events/{eventId}/sources', 'get', '/v1/events/nope/sources', 404],
  ['/v1/events/{eventId}/candles', 'get', `/v1/events/evt-a/candles?${rDaily}`, 200],
  ['/v1/jobs', 'get', '/v1/jobs', 200],
  ['/v1/jobs/{jobId}', 'get', '/v1/jobs/job-1', 200],
  ['/v1/jobs/{jobId}', 'get', '/v1/jobs/nope', 404],
  ['/v1/logs', 'get', '/v1/logs', 200],
  ['/v1/logs', 'get', `/v1/logs?event_id=evt-a&since=${iso(BASE)}`, 200],
  [
    '/v1/sql',
    'post',
    '/v1/sql',
    200,
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ sql: 'SELECT event_id, capacity FROM events FINAL ORDER BY event_id' }),
    },
  ],
  [
    '/v1/sql',
    'post',
    '/v1/sql',
    200,
    { method: 'POST', headers: json, body: JSON.stringify({ sql: 'SELECT 1 AS one', format: 'csv' }) },
  ],
  [
    '/v1/sql',
    'post',
    '/v1/sql',
    403,
    { method: 'POST', headers: json, body: JSON.stringify({ sql: 'DROP TABLE events' }) },
  ],
  ['/v1/sql', 'post', '/v1/sql', 400, { method: 'POST', headers: json, body: JSON.stringify({ sql: 'SELEC 1' }) }],
  [
    '/v1/sql',
    'post',
    '/v1/sql',
    413,
    { method: 'POST', headers: json, body: JSON.stringify({ sql: `SELECT '${'x'.repeat(5000)}'` }) },
  ],
];

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer security scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/events'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/events/{eventId}/price-trend'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['eventId', 'zone', 'from', 'to', 'granularity', 'format']),
    );
    expect(JSON.stringify(doc.components.schemas.PriceTrend)).toContain('USD');
  });

  it('has only valid regular expressions in its patterns', () => {
    const patterns: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'pattern' && typeof x === 'string') patterns.push(x);
          else walk(x);
        }
    };
    walk(doc);
    expect(patterns.length).toBeGreaterThan(0);
    for (const p of patterns) {
      expect(() => new RegExp(p, 'u'), p).not.toThrow();
      expect(p, 'no regex flags leaked into the pattern').not.toMatch(/\/[a-z]+$/);
    }
  });

  it('documents every operation that the cases below exercise, and they exercise every one', () => {
    // /v1/alerts has its own cases in alerts.openapi.test.ts, the market signals in market.openapi.test.ts.
    const market = ['/v1/events/{eventId}/sales', '/v1/events/{eventId}/listing-changes', '/v1/compare'];
    const documented = Object.entries(doc.paths)
      .filter(([p]) => !p.startsWith('/v1/alerts') && !market.includes(p))
      .flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
    const exercised = new Set(cases.map(([t, m]) => `${m} ${t}`));
    expect(documented.sort()).toEqual([...exercised].sort());
  });

  // The cases run in order: the POST creates simulated-9, which the PATCHes and the DELETE use.
  it.each(cases)('%s %s: %s answers %i, as the document says', async (template, method, path, status, init) => {
    const res = await app.request(path, init);
    expect(res.status, `${method.toUpperCase()} ${path}`).toBe(status);
    await check(template, method, res);
  });

  it('documents the error responses, and 503 and 429 bodies match them', async () => {
    store.faults.fail(['read']);
    try {
      const trend = await app.request(`/v1/events/evt-a/price-trend?${r3h}`);
      expect(trend.status).toBe(503);
      await check('/v1/events/{eventId}/price-trend', 'get', trend);
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
      await check('/readyz', 'get', ready);
    } finally {
      store.faults.clear();
    }
    const limited = createApp({
      store,
      config: apiConfig({ rateLimitPerMinute: 1 }),
      catalog: new EventCatalog({ store }),
    });
    await limited.request('/v1/jobs');
    const res = await limited.request('/v1/jobs');
    expect(res.status).toBe(429);
    await check('/v1/jobs', 'get', res);
  });
});
