// Every /v1/alerts operation in the OpenAPI document, checked against real responses (JSON Schema
// 2020-12 with ajv), successes and errors alike, the way test/api/openapi.test.ts checks the rest.
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { AlertRules } from '../../lib/alerts/rules.ts';
import { SecretBox } from '../../lib/alerts/secret-box.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { H0, KEY, apiConfig, openStore, seed } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

let store: Store;
let app: ReturnType<typeof createApp>;
let doc: Body;
let ajv: Ajv2020;
let ruleId: string;

const json = { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` };
const body = {
  name: 'Orchestra under $95',
  event_id: 'evt-a',
  zone: 'Orchestra',
  condition: { type: 'drop_pct', pct: 10, window_seconds: 86_400 },
  targets: [{ url: 'https://hooks.example.com/abc', secret: 'whsec_0123456789abcdef' }],
};

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seed(store, catalog);
  const alertRules = new AlertRules({ store, box: new SecretBox(randomBytes(32)) });
  app = createApp({ store, config: apiConfig(), catalog, alertRules });
  doc = await (await app.request('/openapi.json')).json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const created = await alertRules.create({
    name: 'seeded',
    event_id: 'evt-a',
    zone: null,
    section: null,
    basis: 'all_in',
    group_size: 2,
    condition: { kind: 'below', price_cents: 20_000 },
    cooldown_seconds: 0,
    rearm_drop_pct: null,
    targets: [{ url: 'https://hooks.example.com/seeded', format: 'discord', secret: null }],
    active: true,
  });
  ruleId = created.rule_id;
  const target = `${ruleId}/${created.targets[0]!.target_id}`;
  await store.insert('alert_state', [
    {
      rule_id: ruleId,
      series: 'z-orchestra',
      version: H0,
      rule_version: created.version,
      armed: true,
      last_value: 21_000,
      last_observed_at: chDateTime(H0),
      last_fired_at: null,
      state: '{}',
    },
  ]);
  await store.insert('alert_firings', [
    {
      firing_id: 'alf_openapi',
      kind: 'source_down',
      rule_id: '',
      rule_version: 0,
      event_id: 'evt-a',
      zone: '',
      zone_id: '',
      section: '',
      series: 'evt-a',
      observed_at: chDateTime(H0),
      value: 3,
      reference: null,
      message: 'Source down',
      payload: '{}',
      targets: [target],
      source_topic: 't',
      kafka_partition: 0,
      kafka_offset: 1,
    },
  ]);
  await store.insert('alert_deliveries', [
    {
      firing_id: 'alf_openapi',
      target,
      rule_id: ruleId,
      event_id: 'evt-a',
      status: 'delivered',
      attempts: 1,
      http_status: 204,
      reason: '',
      finished_at: chDateTime(H0 + 1000),
    },
  ]);
});
afterAll(async () => {
  await store?.close();
});

const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

async function check(template: string, method: string, res: Response): Promise<Body> {
  const op = doc.paths[template]?.[method];
  expect(op, `${method} ${template} is documented`).toBeDefined();
  const status = String(res.status);
  expect(op.responses[status], `${method} ${template} documents ${status}`).toBeDefined();
  const data = await res.json();
  const ref = `openapi.json#/paths/${pointer(template)}/${method}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  expect(validate(data), `${method} ${template} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
  return data;
}

type Case = [template: string, method: string, path: () => string, init?: () => RequestInit];
const cases: Case[] = [
  ['/v1/alerts', 'get', () => '/v1/alerts'],
  ['/v1/alerts', 'get', () => '/v1/alerts?event_id=evt-b&limit=1'],
  ['/v1/alerts', 'get', () => '/v1/alerts?limit=0'],
  ['/v1/alerts', 'post', () => '/v1/alerts', () => ({ method: 'POST', headers: json, body: JSON.stringify(body) })],
  ['/v1/alerts', 'post', () => '/v1/alerts', () => ({ method: 'POST', headers: json, body: '{}' })],
  ['/v1/alerts', 'post', () => '/v1/alerts', () => ({ method: 'POST', body: JSON.stringify(body) })],
  ['/v1/alerts/firings', 'get', () => '/v1/alerts/firings'],
  ['/v1/alerts/firings', 'get', () => `/v1/alerts/firings?rule_id=${ruleId}&limit=5`],
  ['/v1/alerts/{ruleId}', 'get', () => `/v1/alerts/${ruleId}`],
  ['/v1/alerts/{ruleId}', 'get', () => '/v1/alerts/alr_0000000000000000'],
  [
    '/v1/alerts/{ruleId}',
    'patch',
    () => `/v1/alerts/${ruleId}`,
    () => ({ method: 'PATCH', headers: json, body: JSON.stringify({ condition: { type: 'new_low' } }) }),
  ],
  [
    '/v1/alerts/{ruleId}',
    'patch',
    () => `/v1/alerts/${ruleId}`,
    () => ({ method: 'PATCH', headers: json, body: JSON.stringify({ basis: 'base' }) }),
  ],
  [
    '/v1/alerts/{ruleId}',
    'delete',
    () => '/v1/alerts/alr_0000000000000000',
    () => ({ method: 'DELETE', headers: json }),
  ],
];

describe('OpenAPI document for /v1/alerts', () => {
  it('documents exactly the operations exercised here', () => {
    const documented = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/v1/alerts'))
      .flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual([...new Set(cases.map(([t, m]) => `${m} ${t}`))].sort());
    expect(doc.paths['/v1/alerts'].post.security).toEqual([{ bearerAuth: [] }]);
  });

  it.each(cases)('%s %s matches the document', async (template, method, path, init) => {
    await check(template, method, await app.request(path(), init?.()));
  });

  it('the rule with its state, a firing with its delivery, and a removal match the document', async () => {
    const rule = await check('/v1/alerts/{ruleId}', 'get', await app.request(`/v1/alerts/${ruleId}`));
    expect(rule.state.series).toHaveLength(0); // the PATCH above made a new version
    const firings = await check('/v1/alerts/firings', 'get', await app.request('/v1/alerts/firings'));
    expect(firings.firings[0]).toMatchObject({ alert_id: 'alf_openapi', kind: 'source_down', rule_id: null, value: 3 });
    expect(firings.firings[0].deliveries).toHaveLength(1);
    const removed = await check(
      '/v1/alerts/{ruleId}',
      'delete',
      await app.request(`/v1/alerts/${ruleId}`, { method: 'DELETE', headers: json }),
    );
    expect(removed.rule_id).toBe(ruleId);
  });

  it('documents 503 for a store outage and for an API without the sealing key', async () => {
    store.faults.fail(['read']);
    try {
      await check('/v1/alerts', 'get', await app.request('/v1/alerts'));
    } finally {
      store.faults.clear();
    }
    const noKey = createApp({ store, config: apiConfig(), catalog: new EventCatalog({ store }) });
    await check(
      '/v1/alerts',
      'post',
      await noKey.request('/v1/alerts', { method: 'POST', headers: json, body: JSON.stringify(body) }),
    );
  });
});
