// The market-signal operations of the OpenAPI document checked against real responses (JSON Schema
// 2020-12 with ajv), successes and errors alike, as test/api/openapi.test.ts does for the others.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { D0, seedMarket } from './market-seed.ts';
import { DAY, apiConfig, iso, openStore } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

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
  await seedMarket(store, catalog);
  app = createApp({ store, config: apiConfig(), catalog });
  doc = await (await app.request('/openapi.json')).json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
});
afterAll(async () => {
  await store?.close();
});

const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

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
  expect(validate(body), `${method} ${template} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

const SALES = '/v1/events/{eventId}/sales';
const CHANGES = '/v1/events/{eventId}/listing-changes';
const COMPARE = '/v1/compare';
const days = `from=${iso(D0)}&to=${iso(D0 + 2 * DAY)}`;

const cases: Array<[template: string, path: string, status: number]> = [
  [SALES, `/v1/events/mkt-a/sales?${days}`, 200],
  [SALES, `/v1/events/mkt-a/sales?zone=Floor&granularity=hourly&${days}`, 200],
  [SALES, `/v1/events/mkt-a/sales?${days}&format=csv`, 200],
  [SALES, '/v1/events/mkt-a/sales?granularity=weekly', 400],
  [SALES, '/v1/events/nope/sales', 404],
  [CHANGES, '/v1/events/mkt-a/listing-changes', 200],
  [CHANGES, '/v1/events/mkt-a/listing-changes?kind=removed,price_change&limit=1', 200],
  [CHANGES, '/v1/events/mkt-a/listing-changes?kind=sold', 400],
  [CHANGES, '/v1/events/nope/listing-changes', 404],
  [COMPARE, '/v1/compare?events=mkt-a,mkt-b&zone=Floor&index=30', 200],
  [COMPARE, '/v1/compare?events=mkt-b&index=7', 200],
  [COMPARE, '/v1/compare?events=mkt-a&metric=max', 400],
  [COMPARE, '/v1/compare?events=nope', 404],
];

describe('OpenAPI document: market signals', () => {
  it('documents the three operations, each exercised below', () => {
    const documented = Object.entries(doc.paths)
      .filter(([p]) => [SALES, CHANGES, COMPARE].includes(p))
      .flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual([...new Set(cases.map(([t]) => `get ${t}`))].sort());
    for (const t of [SALES, CHANGES, COMPARE]) expect(doc.paths[t].get.tags).toEqual(['market']);
  });

  it.each(cases)('%s: %s answers %i, as the document says', async (template, path, status) => {
    const res = await app.request(path);
    expect(res.status, path).toBe(status);
    await check(template, 'get', res);
  });

  it('documents 503 when ClickHouse is down, and the body matches', async () => {
    store.faults.fail(['read']);
    try {
      for (const [template, path] of [
        [SALES, `/v1/events/mkt-a/sales?${days}`],
        [CHANGES, '/v1/events/mkt-a/listing-changes'],
        [COMPARE, '/v1/compare?events=mkt-a'],
      ] as const) {
        const res = await app.request(path);
        expect(res.status, path).toBe(503);
        await check(template, 'get', res);
      }
    } finally {
      store.faults.clear();
    }
  });
});
