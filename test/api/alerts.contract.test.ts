// Contract of /v1/alerts against a real embedded ClickHouse, the real EventCatalog and the real
// AlertRules repository (its publish step records what would go to the rules topic). The state,
// firing and delivery rows an alerter would write are inserted by hand, with values worked out here.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../api/app.ts';
import type { AlertRuleRecord } from '../../lib/alerts/model.ts';
import { AlertRules } from '../../lib/alerts/rules.ts';
import { SecretBox } from '../../lib/alerts/secret-box.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { REDACT_PATHS } from '../../lib/logger.ts';
import { H0, KEY, apiConfig, openStore, seed } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

const SECRET = 'whsec_contract_0123456789';
const TOKEN = 'T0KEN-in-the-path-9f8e7d';
const HOOK = `https://hooks.example.com/services/${TOKEN}?x=1`;

let store: Store;
let catalog: EventCatalog;
let app: ReturnType<typeof createApp>;
const published: AlertRuleRecord[] = [];
const logged: string[] = [];

beforeAll(async () => {
  store = await openStore();
  catalog = new EventCatalog({ store });
  await seed(store, catalog);
  const alertRules = new AlertRules({
    store,
    box: new SecretBox(randomBytes(32)),
    publish: async (r) => void published.push(r),
  });
  const logger = pino(
    { level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    new Writable({ write: (chunk, _e, cb) => (logged.push(String(chunk)), cb()) }),
  );
  app = createApp({ store, config: apiConfig(), catalog, alertRules, logger });
});
afterAll(async () => {
  await store?.close();
});

const auth = { Authorization: `Bearer ${KEY}` };
async function call(path: string, init: RequestInit = {}, a = app) {
  const res = await a.request(path, init);
  const text = await res.text();
  let body: Body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, body };
}
const send = (method: string, path: string, body: unknown, headers: Record<string, string> = auth, a = app) =>
  call(
    path,
    {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    a,
  );
function expectError(r: { status: number; body: Body }, status: number, code?: string, field?: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(typeof r.body.error.message).toBe('string');
  if (code) expect(r.body.error.code).toBe(code);
  if (field !== undefined) expect(r.body.error.field).toBe(field);
}

const newRule = (over: Record<string, unknown> = {}) => ({
  name: 'Orchestra under $95',
  event_id: 'evt-a',
  zone: 'Orchestra',
  condition: { type: 'below', price: 95 },
  targets: [{ url: HOOK, secret: SECRET }],
  ...over,
});

describe('/v1/alerts rules', () => {
  let id: string;

  it('creates a rule (201, Location) with defaults, showing targets by scheme and host only', async () => {
    const r = await send('POST', '/v1/alerts', newRule({ rearm_drop_pct: 5 }));
    expect(r.status, r.text).toBe(201);
    id = r.body.rule_id;
    expect(id).toMatch(/^alr_[0-9a-f]{16}$/);
    expect(r.headers.get('Location')).toBe(`/v1/alerts/${id}`);
    expect(r.body).toMatchObject({
      name: 'Orchestra under $95',
      event_id: 'evt-a',
      zone: 'Orchestra',
      section: null,
      basis: 'all_in',
      group_size: 1,
      condition: { type: 'below', price: 95 },
      cooldown_seconds: 3600,
      rearm_drop_pct: 5,
      active: true,
      targets: [{ format: 'json', url: 'https://hooks.example.com/…', signed: true }],
    });
    expect(r.text).not.toContain(TOKEN);
    expect(r.text).not.toContain(SECRET);
    // Published before the table write, sealed: neither the token nor the secret is in the record.
    const rec = published.at(-1)!;
    expect(rec).toMatchObject({ rule_id: id, price_cents: 9_500, condition: 'below', deleted: false });
    expect(JSON.stringify(rec)).not.toContain(TOKEN);
    expect(JSON.stringify(rec)).not.toContain(SECRET);
  });

  it('lists and gets rules with their (empty) state; reads need no key', async () => {
    const list = await call('/v1/alerts?event_id=evt-a');
    expect(list.status).toBe(200);
    expect(list.body.rules.map((x: Body) => x.rule_id)).toEqual([id]);
    expect((await call('/v1/alerts?event_id=evt-b')).body.rules).toEqual([]);
    const one = await call(`/v1/alerts/${id}`);
    expect(one.body.state).toEqual({
      last_fired_at: null,
      firings: 0,
      series: [],
      last_delivery: null,
      dead_lettered: 0,
    });
  });

  it('shows the series state, firings and the latest delivery as the alerter wrote them', async () => {
    const rule = published.at(-1)!;
    const target = `${id}/${rule.targets[0]!.target_id}`;
    await store.insert('alert_state', [
      {
        rule_id: id,
        series: 'z-orchestra',
        version: H0,
        rule_version: rule.version,
        armed: false,
        last_value: 9_000,
        last_observed_at: chDateTime(H0),
        last_fired_at: chDateTime(H0),
        state: '{}',
      },
    ]);
    const firing = (n: number, at: number) => ({
      firing_id: `alf_${n}`,
      kind: 'crossing',
      rule_id: id,
      rule_version: rule.version,
      event_id: 'evt-a',
      zone: 'Orchestra',
      zone_id: 'z-orchestra',
      section: '',
      series: 'z-orchestra',
      observed_at: chDateTime(at),
      value: 9_000,
      reference: 9_500,
      message: `firing ${n}`,
      payload: JSON.stringify({ rule: { condition: 'below' } }),
      targets: [target],
      source_topic: 't',
      kafka_partition: 0,
      kafka_offset: n,
    });
    await store.insert('alert_firings', [firing(1, H0), firing(2, H0 + 60_000)]);
    await store.insert('alert_deliveries', [
      {
        firing_id: 'alf_1',
        target,
        rule_id: id,
        event_id: 'evt-a',
        status: 'dead_lettered',
        attempts: 6,
        http_status: 503,
        reason: 'webhook_retries_exhausted: HTTP 503 after 6 attempts',
        finished_at: chDateTime(H0 + 120_000),
      },
    ]);
    const one = await call(`/v1/alerts/${id}`);
    expect(one.body.state).toEqual({
      last_fired_at: new Date(H0).toISOString(),
      firings: 2,
      series: [
        {
          series: 'z-orchestra',
          armed: false,
          last_value: 90,
          last_observed_at: new Date(H0).toISOString(),
          last_fired_at: new Date(H0).toISOString(),
        },
      ],
      last_delivery: {
        alert_id: 'alf_1',
        target_id: rule.targets[0]!.target_id,
        status: 'dead_lettered',
        attempts: 6,
        http_status: 503,
        reason: 'webhook_retries_exhausted: HTTP 503 after 6 attempts',
        finished_at: new Date(H0 + 120_000).toISOString(),
      },
      dead_lettered: 1,
    });
    const f = await call(`/v1/alerts/firings?rule_id=${id}`);
    expect(f.status).toBe(200);
    expect(f.body.firings.map((x: Body) => [x.alert_id, x.value, x.reference, x.deliveries.length, x.pending])).toEqual(
      [
        ['alf_2', 90, 95, 0, 1],
        ['alf_1', 90, 95, 1, 0],
      ],
    );
    expect((await call('/v1/alerts/firings?event_id=evt-b')).body.firings).toEqual([]);
  });

  it('updates a rule as a new version, checking the merged rule across fields', async () => {
    const before = (await call(`/v1/alerts/${id}`)).body;
    const r = await send('PATCH', `/v1/alerts/${id}`, { group_size: 2, cooldown_seconds: 0 });
    expect(r.status, r.text).toBe(200);
    expect(r.body.version).toBeGreaterThan(before.version);
    expect(r.body).toMatchObject({ group_size: 2, cooldown_seconds: 0, targets: before.targets });
    // base prices exist for single tickets only: the merged rule is refused, naming the field.
    expectError(await send('PATCH', `/v1/alerts/${id}`, { basis: 'base' }), 400, 'VALIDATION_FAILED', 'group_size');
    const t = await send('PATCH', `/v1/alerts/${id}`, {
      targets: [{ url: 'https://chat.example.org/hook', format: 'slack' }],
    });
    expect(t.body.targets).toEqual([
      {
        target_id: expect.stringMatching(/^t[0-9a-f]{8}$/),
        format: 'slack',
        url: 'https://chat.example.org/…',
        signed: false,
      },
    ]);
    expectError(await send('PATCH', `/v1/alerts/${id}`, {}), 400, 'VALIDATION_FAILED');
    expectError(await send('PATCH', '/v1/alerts/alr_0000000000000000', { active: false }), 404, 'NOT_FOUND');
  });

  it('removes a rule: 200 with it, then 404 and gone from the list', async () => {
    const r = await send('DELETE', `/v1/alerts/${id}`, undefined);
    expect(r.status).toBe(200);
    expect(r.body.rule_id).toBe(id);
    expect(published.at(-1)).toMatchObject({ rule_id: id, deleted: true, active: false });
    expectError(await call(`/v1/alerts/${id}`), 404, 'NOT_FOUND');
    expect((await call('/v1/alerts')).body.rules.map((x: Body) => x.rule_id)).not.toContain(id);
    expectError(await send('DELETE', `/v1/alerts/${id}`, undefined), 404, 'NOT_FOUND');
  });

  it('names the field of a bad body', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ condition: undefined }, 'condition'],
      [{ condition: { type: 'above', price: 1 } }, 'condition.type'],
      [{ condition: { type: 'below', price: -1 } }, 'condition.price'],
      [{ condition: { type: 'drop_pct', pct: 150, window_seconds: 3600 } }, 'condition.pct'],
      [{ condition: { type: 'drop_pct', pct: 10 } }, 'condition.window_seconds'],
      [{ group_size: 3 }, 'group_size'],
      [{ basis: 'base', group_size: 4 }, 'group_size'],
      [{ condition: { type: 'inventory_below', tickets: 10 }, group_size: 2 }, 'group_size'],
      [{ condition: { type: 'new_listings' }, rearm_drop_pct: 5 }, 'rearm_drop_pct'],
      [{ targets: [] }, 'targets'],
      [{ targets: [{ url: HOOK }] }, 'targets.0.secret'],
      [{ targets: [{ url: 'ftp://x.example/y', secret: SECRET }] }, 'targets.0.url'],
      [{ targets: [{ url: 'http://169.254.169.254/latest', secret: SECRET }] }, 'targets.0.url'],
      [{ targets: [{ url: 'https://u:p@x.example/', secret: SECRET }] }, 'targets.0.url'],
      [{ targets: [{ url: HOOK, secret: 'short' }] }, 'targets.0.secret'],
      [{ event_id: 'evt-nope' }, 'event_id'],
      [{ event_id: "evt' OR 1=1" }, 'event_id'],
      [{ name: 'a\u0000b' }, 'name'],
      [{ cooldown_seconds: -1 }, 'cooldown_seconds'],
      [{ extra: 1 }, 'extra'],
    ];
    for (const [over, field] of cases) {
      const r = await send('POST', '/v1/alerts', newRule(over));
      expectError(r, 400, 'VALIDATION_FAILED', field);
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain(TOKEN);
    }
    expectError(await send('POST', '/v1/alerts', '{"name":'), 400, undefined, 'body');
    expectError(await call('/v1/alerts/not-a-rule'), 400, 'VALIDATION_FAILED', 'ruleId');
    expectError(await call('/v1/alerts?limit=0'), 400, 'VALIDATION_FAILED', 'limit');
    expectError(await call('/v1/alerts/firings?rule_id=x'), 400, 'VALIDATION_FAILED', 'rule_id');
  });

  it('refuses writes without a key (401) and answers 503 where rules cannot be sealed', async () => {
    for (const [m, p] of [
      ['POST', '/v1/alerts'],
      ['PATCH', '/v1/alerts/alr_0000000000000000'],
      ['DELETE', '/v1/alerts/alr_0000000000000000'],
    ] as const) {
      expectError(await send(m, p, newRule(), {}), 401, 'UNAUTHORIZED');
      expectError(await send(m, p, newRule(), { Authorization: 'Bearer wrong-key-0000' }), 401, 'UNAUTHORIZED');
    }
    const noKey = createApp({ store, config: apiConfig(), catalog });
    const r = await send('POST', '/v1/alerts', newRule(), auth, noKey);
    expectError(r, 503, 'ALERTS_DISABLED');
    expect((await call('/v1/alerts', {}, noKey)).status).toBe(200);
  });

  it('503 with Retry-After when the store is down, without internals', async () => {
    store.faults.fail(['read', 'write']);
    try {
      for (const r of [
        await call('/v1/alerts'),
        await call('/v1/alerts/firings'),
        await send('POST', '/v1/alerts', newRule()),
      ]) {
        expectError(r, 503, 'STORE_UNAVAILABLE');
        expect(r.headers.get('Retry-After')).toBe('5');
      }
    } finally {
      store.faults.clear();
    }
  });

  it('never lets a target URL or secret out: not through /v1/sql, not into the log', async () => {
    await send('POST', '/v1/alerts', newRule({ name: 'kept' }));
    const sql = await send('POST', '/v1/sql', { sql: 'SELECT * FROM alert_rules' });
    expect(sql.status, sql.text).toBe(200);
    expect(sql.text).toContain('kept');
    expect(sql.text).not.toContain(TOKEN);
    expect(sql.text).not.toContain(SECRET);
    const log = logged.join('');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(SECRET);
  });
});
