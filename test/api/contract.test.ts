// Contract of the REST API against a real embedded ClickHouse and the real EventCatalog. Every
// expected value below is worked out by hand from the rows in ./seed.ts.
//
// Each test gets a database of its own, migrated and seeded before it (chDB allows one data path
// per process, so they share the path, not the data): no test sees another's writes, and they pass
// in any order (`npx vitest run --sequence.shuffle test/api/contract.test.ts`).
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { ForbiddenError } from '../../api/errors.ts';
import { adhocSettings, classifyAdhocError } from '../../api/queries/adhoc.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { registry } from '../../lib/metrics.ts';
import { testConfig } from '../helpers/env.ts';
import { BASE, D1, DAY, H0, H1, H2, HOUR, JOB_STARTED, KEY, OTHER_KEY, apiConfig, iso, seed } from './seed.ts';

/** Parsed response bodies are checked field by field; their static type adds nothing here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

let store: Store;
let catalog: EventCatalog;
let app: ReturnType<typeof createApp>;

/** The file's one chDB data path; each test adds its own database to it. */
const chdb = testConfig().clickhouse;
let databases = 0;

beforeEach(async () => {
  store = await createStore({ ...chdb, database: `contract_${++databases}` });
  await migrate(store);
  catalog = new EventCatalog({ store });
  await seed(store, catalog);
  app = createApp({
    store,
    config: apiConfig(),
    catalog,
    consumerLag: async () => ({ 'tws-metrics': 7, 'tws-metrics-lifecycle': 12 }),
  });
});
afterEach(async () => {
  await store?.close();
});

const auth = (key = KEY) => ({ Authorization: `Bearer ${key}` });

async function call(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, a = app) {
  const res = await a.request(path, init);
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, text, body: body as Body };
}

const send = (method: string, path: string, body: unknown, headers: Record<string, string> = auth()) =>
  call(path, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const range3h = `from=${iso(H0)}&to=${iso(H0 + 3 * HOUR)}`;
const range2h = `from=${iso(H0)}&to=${iso(H0 + 2 * HOUR)}`;

function expectError(r: { status: number; body: Body }, status: number, code?: string, field?: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(typeof r.body.error.message).toBe('string');
  if (code) expect(r.body.error.code).toBe(code);
  if (field) expect(r.body.error.field).toBe(field);
}

describe('events', () => {
  it('lists the catalog, filtered by active', async () => {
    const r = await call('/v1/events');
    expect(r.status).toBe(200);
    expect(r.body.events.map((e: { event_id: string }) => e.event_id)).toEqual(['evt-a', 'evt-b']);
    expect(r.body).toMatchObject({ limit: 100, offset: 0 });
    const a = r.body.events[0];
    expect(a).toMatchObject({
      event_id: 'evt-a',
      source: 'simulated',
      source_event_id: '1001',
      name: 'Hamilton',
      timezone: 'America/New_York',
      starts_at: iso(BASE + 40 * DAY),
      capacity: 1000,
      active: true,
      last_scraped_at: iso(D1),
    });
    expect(r.body.events[1].last_scraped_at).toBeNull();
    expect((await call('/v1/events?active=false')).body.events).toEqual([]);
    expect(
      (await call('/v1/events?limit=1&offset=1')).body.events.map((e: { event_id: string }) => e.event_id),
    ).toEqual(['evt-b']);
  });

  it('gets one event, 404 for an unknown one', async () => {
    const r = await call('/v1/events/evt-b');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ event_id: 'evt-b', capacity: null, last_scraped_at: null });
    expectError(await call('/v1/events/nope'), 404, 'NOT_FOUND');
  });

  it('creates (201, Location), updates and soft-deletes with a key', async () => {
    const created = await send('POST', '/v1/events', {
      source: 'vividseats',
      source_event_id: '5550001',
      name: 'Test Show',
      venue: 'Hall',
      timezone: 'Europe/London',
      starts_at: '2027-01-02T19:30:00+01:00',
      capacity: 500,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('Location')).toBe('/v1/events/vividseats-5550001');
    expect(created.body).toMatchObject({
      event_id: 'vividseats-5550001',
      starts_at: '2027-01-02T18:30:00.000Z',
      capacity: 500,
      active: true,
    });
    expect(created.body).not.toHaveProperty('last_scraped_at');

    expectError(await send('POST', '/v1/events', { ...created.body, event_id: undefined, version: undefined }), 400);
    const dup = await send('POST', '/v1/events', {
      event_id: 'vividseats-5550001',
      source: 'vividseats',
      source_event_id: '5550001',
      name: 'Again',
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: '2027-01-02',
    });
    expectError(dup, 409, 'CONFLICT');

    const patched = await send(
      'PATCH',
      '/v1/events/vividseats-5550001',
      { capacity: null, name: 'Renamed' },
      auth(OTHER_KEY),
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', capacity: null, venue: 'Hall' });
    expect(patched.body.version).toBeGreaterThan(created.body.version);

    const deleted = await send('DELETE', '/v1/events/vividseats-5550001', undefined);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ event_id: 'vividseats-5550001', active: false, name: 'Renamed' });
    expect((await call('/v1/events/vividseats-5550001')).body.active).toBe(false);
    expect((await call('/v1/events?active=false')).body.events.map((e: { event_id: string }) => e.event_id)).toEqual([
      'vividseats-5550001',
    ]);
    expectError(await send('PATCH', '/v1/events/nope', { name: 'x' }), 404, 'NOT_FOUND');
    expectError(await send('DELETE', '/v1/events/nope', undefined), 404, 'NOT_FOUND');
  });

  it('refuses writes without a valid key (401, WWW-Authenticate), whatever the body', async () => {
    for (const [method, path] of [
      ['POST', '/v1/events'],
      ['PATCH', '/v1/events/evt-a'],
      ['DELETE', '/v1/events/evt-a'],
      ['POST', '/v1/sql'],
    ] as const) {
      const none = await send(method, path, { whatever: true }, {});
      expectError(none, 401, 'UNAUTHORIZED');
      expect(none.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
      expectError(await send(method, path, {}, auth('wrong-key')), 401, 'UNAUTHORIZED');
      expectError(await send(method, path, {}, { Authorization: 'Basic dXNlcjpwYXNz' }), 401, 'UNAUTHORIZED');
    }
    expect((await call('/v1/events/evt-a')).body.active).toBe(true);
  });

  it('names the field of a bad body or query', async () => {
    const good = {
      source: 'simulated',
      source_event_id: '77',
      name: 'N',
      venue: 'V',
      timezone: 'UTC',
      starts_at: '2027-01-01T00:00:00Z',
    };
    const cases: Array<[unknown, string]> = [
      [{ ...good, source: 'ticketmaster' }, 'source'],
      [{ ...good, source_event_id: "1' OR 1=1 --" }, 'source_event_id'],
      [{ ...good, name: '' }, 'name'],
      [{ ...good, name: 'a\u0000b' }, 'name'],
      [{ ...good, timezone: 'Mars/Olympus' }, 'timezone'],
      [{ ...good, starts_at: '2027-02-30' }, 'starts_at'],
      [{ ...good, capacity: -1 }, 'capacity'],
      [{ ...good, capacity: 1.5 }, 'capacity'],
      [{ ...good, event_id: '-bad' }, 'event_id'],
      [{ ...good, extra: 1 }, 'extra'],
      [{ ...good, venue: undefined }, 'venue'],
      [[1, 2], 'body'],
      ['{"source": ', 'body'],
    ];
    for (const [body, field] of cases) expectError(await send('POST', '/v1/events', body), 400, undefined, field);
    expectError(await send('PATCH', '/v1/events/evt-a', {}), 400, 'VALIDATION_FAILED', 'body');
    expectError(await send('PATCH', '/v1/events/evt-a', { event_id: 'x' }), 400, 'VALIDATION_FAILED', 'event_id');
    expectError(await call('/v1/events?limit=0'), 400, 'VALIDATION_FAILED', 'limit');
    expectError(await call('/v1/events?limit=abc'), 400, 'VALIDATION_FAILED', 'limit');
    expectError(await call('/v1/events?offset=-1'), 400, 'VALIDATION_FAILED', 'offset');
    expectError(await call('/v1/events?active=yes'), 400, 'VALIDATION_FAILED', 'active');
    expectError(await call('/v1/events/bad%20id'), 400, 'VALIDATION_FAILED', 'eventId');
    expectError(await call(`/v1/events/${'x'.repeat(65)}`), 400, 'VALIDATION_FAILED', 'eventId');
  });

  it('answers 413 to a body over the limit, before reading it', async () => {
    const big = {
      source: 'simulated',
      source_event_id: '1',
      name: 'x'.repeat(5000),
      venue: 'v',
      timezone: 'UTC',
      starts_at: '2027-01-01',
    };
    expectError(await send('POST', '/v1/events', big), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await send('POST', '/v1/sql', { sql: `SELECT '${'x'.repeat(5000)}'` }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('zones', () => {
  it('lists the zones of an event with their latest scrape, in USD', async () => {
    const r = await call('/v1/events/evt-a/zones');
    expect(r.status).toBe(200);
    expect(r.body.event_id).toBe('evt-a');
    expect(r.body.zones.map((z: { zone: string }) => z.zone)).toEqual(['Balcony', 'Orchestra']);
    expect(r.body.zones[1]).toEqual({
      zone_id: 'z-orchestra',
      zone: 'Orchestra',
      scraped_at: iso(D1),
      sections: 3,
      days_to_event: 30,
      lowest_price: 120,
      lowest_base_price: 96,
      average_price: 130,
      median_price: 130,
      highest_price: 360,
      lowest_price_2: 240,
      lowest_price_4: null,
      priced_listings: 10,
      total_tickets: 20,
      total_listings: 5,
      available: true,
      outlier_listings: 0,
    });
    expect(r.body.zones[0]).toMatchObject({ zone: 'Balcony', lowest_price: 50.2, scraped_at: iso(H1 + 60_000) });
  });
  it('404 for an unknown event', async () => {
    expectError(await call('/v1/events/nope/zones'), 404, 'NOT_FOUND');
  });
});

describe('price trend', () => {
  it('gives hourly min and listing-weighted average prices, in USD', async () => {
    const r = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range2h}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      event_id: 'evt-a',
      zone: 'Orchestra',
      source: 'all',
      granularity: 'hourly',
      from: iso(H0),
      to: iso(H0 + 2 * HOUR),
      // H0: min(100.00, 90.00); avg = (1500 + 1200) / (10 + 8) = 150
      points: [
        { t: iso(H0), min_price: 90, avg_price: 150 },
        { t: iso(H1), min_price: 95, avg_price: 100 },
      ],
      trend: 'increasing',
      percent_change: 5.56, // (95 - 90) / 90
    });
  });

  it('is null (not an error) when the last window has no price', async () => {
    const r = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range3h}`);
    expect(r.body.points).toEqual([
      { t: iso(H0), min_price: 90, avg_price: 150 },
      { t: iso(H1), min_price: 95, avg_price: 100 },
      { t: iso(H2), min_price: null, avg_price: null },
    ]);
    expect(r.body).toMatchObject({ trend: null, percent_change: null });
  });

  it('rolls up daily', async () => {
    const r = await call(
      `/v1/events/evt-a/price-trend?zone=Orchestra&granularity=daily&from=${iso(BASE)}&to=${iso(BASE + 2 * DAY)}`,
    );
    expect(r.body.points).toEqual([
      // day 0: min 90; avg = (1500 + 1200 + 1000 + 0) / (10 + 8 + 10 + 0) = 132.142857
      { t: iso(BASE), min_price: 90, avg_price: 132.14 },
      { t: iso(BASE + DAY), min_price: 120, avg_price: 130 },
    ]);
    expect(r.body).toMatchObject({ granularity: 'daily', trend: 'increasing', percent_change: 33.33 });
  });

  it('says flat within 0.5%, decreasing when down, and null when the first price is 0', async () => {
    expect((await call(`/v1/events/evt-a/price-trend?zone=Balcony&${range2h}`)).body).toMatchObject({
      trend: 'flat',
      percent_change: 0.4,
    });
    expect((await call(`/v1/events/evt-b/price-trend?zone=Orchestra&${range2h}`)).body).toMatchObject({
      trend: 'decreasing',
      percent_change: -25,
    });
    const promo = await call(`/v1/events/evt-b/price-trend?zone=Promo&${range2h}`);
    expect(promo.body.points.map((p: { min_price: number }) => p.min_price)).toEqual([0, 10]);
    expect(promo.body).toMatchObject({ trend: null, percent_change: null });
    const one = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&from=${iso(H0)}&to=${iso(H1)}`);
    expect(one.body).toMatchObject({
      points: [{ t: iso(H0), min_price: 90, avg_price: 150 }],
      trend: null,
      percent_change: null,
    });
  });

  it('includes every window that overlaps [from, to)', async () => {
    const r = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&from=${iso(H0 + 30 * 60_000)}&to=${iso(H1 + 1)}`);
    expect(r.body.points.map((p: { t: string }) => p.t)).toEqual([iso(H0), iso(H1)]);
  });

  it('is cacheable once closed, with a strong ETag and 304', async () => {
    const path = `/v1/events/evt-a/price-trend?zone=Orchestra&${range2h}`;
    const first = await call(path);
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=300');
    const tag = first.headers.get('ETag');
    expect(tag).toMatch(/^"[0-9a-f]+"$/);
    const again = await app.request(path, { headers: { 'If-None-Match': tag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(tag);
    expect(again.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(await again.text()).toBe('');
    expect((await app.request(path, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    const open = await call('/v1/events/evt-a/price-trend?zone=Orchestra');
    expect(open.status).toBe(200);
    expect(open.headers.get('Cache-Control')).toBe('no-cache');
    expect(open.body.points).toEqual([]); // the default range (last 7 days) holds no seeded scrape
  });

  it('returns CSV for format=csv or Accept: text/csv', async () => {
    const expected = `t,min_price,avg_price\r\n${iso(H0)},90,150\r\n${iso(H1)},95,100\r\n${iso(H2)},,\r\n`;
    const viaParam = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range3h}&format=csv`);
    expect(viaParam.status).toBe(200);
    expect(viaParam.headers.get('Content-Type')).toMatch(/^text\/csv/);
    expect(viaParam.text).toBe(expected);
    const viaAccept = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range3h}`, {
      headers: { Accept: 'text/csv' },
    });
    expect(viaAccept.text).toBe(expected);
    expect(viaAccept.headers.get('ETag')).toBe(viaParam.headers.get('ETag'));
    const json = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range3h}&format=json`, {
      headers: { Accept: 'text/csv' },
    });
    expect(json.headers.get('Content-Type')).toMatch(/^application\/json/);
  });

  it('404 for an unknown event or zone', async () => {
    expectError(await call(`/v1/events/nope/price-trend?zone=Orchestra&${range2h}`), 404, 'NOT_FOUND');
    expectError(await call(`/v1/events/evt-a/price-trend?zone=Nope&${range2h}`), 404, 'NOT_FOUND');
    expectError(await call(`/v1/events/evt-b/price-trend?zone=Balcony&${range2h}`), 404, 'NOT_FOUND');
  });

  it('400 naming the parameter', async () => {
    const base = '/v1/events/evt-a/price-trend';
    const cases: Array<[string, string]> = [
      [`${base}?${range2h}`, 'zone'],
      [`${base}?zone=&${range2h}`, 'zone'],
      [`${base}?zone=${'z'.repeat(101)}`, 'zone'],
      [`${base}?zone=a%00b`, 'zone'],
      [`${base}?zone=A&zone=B`, 'zone'],
      [`${base}?zone=Orchestra&from=yesterday`, 'from'],
      [`${base}?zone=Orchestra&to=2026-13-01`, 'to'],
      [`${base}?zone=Orchestra&from=${iso(H1)}&to=${iso(H0)}`, 'to'],
      [`${base}?zone=Orchestra&from=${iso(H0)}&to=${iso(H0)}`, 'to'],
      [`${base}?zone=Orchestra&from=2030-01-01`, 'from'],
      [`${base}?zone=Orchestra&from=2020-01-01&to=2021-03-01`, 'to'],
      [`${base}?zone=Orchestra&granularity=weekly`, 'granularity'],
      [`${base}?zone=Orchestra&format=xml`, 'format'],
      ['/v1/events/evt-a/group-price-trend?zone=Orchestra&group_size=3', 'group_size'],
      ['/v1/events/evt-a/group-price-trend?zone=Orchestra', 'group_size'],
      ['/v1/events/b%27ad/price-trend?zone=Orchestra', 'eventId'],
    ];
    for (const [path, field] of cases) expectError(await call(path), 400, 'VALIDATION_FAILED', field);
  });
});

describe('group price trend', () => {
  it('gives the lowest total for 2 or 4 seats, skipping empty windows', async () => {
    const two = await call(`/v1/events/evt-a/group-price-trend?zone=Orchestra&group_size=2&${range3h}`);
    expect(two.status, two.text).toBe(200);
    expect(two.body).toEqual({
      event_id: 'evt-a',
      zone: 'Orchestra',
      source: 'all',
      granularity: 'hourly',
      group_size: 2,
      from: iso(H0),
      to: iso(H0 + 3 * HOUR),
      points: [{ t: iso(H0), price: 190 }],
    });
    const four = await call(`/v1/events/evt-a/group-price-trend?zone=Orchestra&group_size=4&${range3h}`);
    expect(four.body.points).toEqual([{ t: iso(H0), price: 400 }]);
    const daily = await call(
      `/v1/events/evt-a/group-price-trend?zone=Orchestra&group_size=2&granularity=daily&from=${iso(BASE)}&to=${iso(BASE + 2 * DAY)}`,
    );
    expect(daily.body.points).toEqual([
      { t: iso(BASE), price: 190 },
      { t: iso(BASE + DAY), price: 240 },
    ]);
    const csv = await call(`/v1/events/evt-a/group-price-trend?zone=Orchestra&group_size=4&${range3h}&format=csv`);
    expect(csv.text).toBe(`t,price\r\n${iso(H0)},400\r\n`);
  });
});

describe('inventory trend', () => {
  it("gives last/avg/peak tickets, availability against the event's capacity and sell-through from the range peak", async () => {
    const r = await call(`/v1/events/evt-a/inventory-trend?zone=Orchestra&${range3h}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      event_id: 'evt-a',
      zone: 'Orchestra',
      source: 'all',
      granularity: 'hourly',
      from: iso(H0),
      to: iso(H0 + 3 * HOUR),
      capacity: 1000,
      peak_tickets: 40,
      points: [
        {
          t: iso(H0),
          tickets: 30,
          listings: 8,
          tickets_avg: 35,
          tickets_peak: 40,
          availability_rate: 3,
          sell_through: 25,
        },
        {
          t: iso(H1),
          tickets: 25,
          listings: 10,
          tickets_avg: 25,
          tickets_peak: 25,
          availability_rate: 2.5,
          sell_through: 37.5,
        },
        {
          t: iso(H2),
          tickets: 0,
          listings: 0,
          tickets_avg: 0,
          tickets_peak: 0,
          availability_rate: 0,
          sell_through: 100,
        },
      ],
    });
  });
  it('has no availability when the capacity is unknown', async () => {
    const r = await call(`/v1/events/evt-b/inventory-trend?zone=Orchestra&${range2h}`);
    expect(r.body).toMatchObject({ capacity: null, peak_tickets: 10 });
    expect(r.body.points).toEqual([
      {
        t: iso(H0),
        tickets: 10,
        listings: 5,
        tickets_avg: 10,
        tickets_peak: 10,
        availability_rate: null,
        sell_through: 0,
      },
      {
        t: iso(H1),
        tickets: 8,
        listings: 4,
        tickets_avg: 8,
        tickets_peak: 8,
        availability_rate: null,
        sell_through: 20,
      },
    ]);
    const csv = await call(`/v1/events/evt-b/inventory-trend?zone=Orchestra&${range2h}`, {
      headers: { Accept: 'text/csv' },
    });
    expect(csv.text).toBe(
      `t,tickets,listings,tickets_avg,tickets_peak,availability_rate,sell_through\r\n${iso(H0)},10,5,10,10,,0\r\n${iso(H1)},8,4,8,8,,20\r\n`,
    );
  });
});

describe('candles', () => {
  it('gives open/high/low/close of the get-in price, skipping windows without a price', async () => {
    const r = await call(`/v1/events/evt-a/candles?zone=Orchestra&${range3h}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.points).toEqual([
      { t: iso(H0), open: 100, high: 100, low: 90, close: 90 },
      { t: iso(H1), open: 95, high: 95, low: 95, close: 95 },
    ]);
    const daily = await call(
      `/v1/events/evt-a/candles?zone=Orchestra&granularity=daily&from=${iso(BASE)}&to=${iso(BASE + 2 * DAY)}`,
    );
    expect(daily.body.points).toEqual([
      { t: iso(BASE), open: 100, high: 100, low: 90, close: 95 },
      { t: iso(BASE + DAY), open: 120, high: 120, low: 120, close: 120 },
    ]);
  });
});

describe('jobs and logs', () => {
  it('lists jobs at their latest version, newest first', async () => {
    const r = await call('/v1/jobs');
    expect(r.status).toBe(200);
    expect(r.body.jobs).toEqual([
      {
        job_id: 'job-1',
        status: 'partial',
        started_at: iso(JOB_STARTED),
        finished_at: iso(JOB_STARTED + 60_000),
        events_planned: 2,
        events_succeeded: 1,
        events_failed: 1,
        events_cancelled: 0,
        snapshots: 1,
        listings: 42,
        retries: 3,
        error: null,
      },
      expect.objectContaining({ job_id: 'job-0', status: 'failed', error: 'all events failed' }),
    ]);
    expect((await call('/v1/jobs?limit=1')).body.jobs).toHaveLength(1);
    expect((await call('/v1/jobs/job-0')).body).toMatchObject({ job_id: 'job-0', retries: 6 });
    expectError(await call('/v1/jobs/nope'), 404, 'NOT_FOUND');
    expectError(await call('/v1/jobs/%20x'), 400, 'VALIDATION_FAILED', 'jobId');
    expectError(await call('/v1/jobs?limit=100000'), 400, 'VALIDATION_FAILED', 'limit');
  });

  it('lists scraper logs of the last 24 hours (or since), without stack traces', async () => {
    const r = await call('/v1/logs');
    expect(r.status).toBe(200);
    expect(r.body.logs).toEqual([
      {
        logged_at: iso(JOB_STARTED + 2000),
        event_id: 'evt-a',
        job_id: 'job-1',
        level: 'ERROR',
        kind: 'timeout',
        message: 'timeout while scraping',
        attempts: 3,
        http_status: null,
      },
      expect.objectContaining({ event_id: 'evt-b', kind: 'blocked', http_status: 403 }),
    ]);
    expect(r.text).not.toContain('stack');
    expect((await call('/v1/logs?event_id=evt-b')).body.logs.map((l: { kind: string }) => l.kind)).toEqual(['blocked']);
    const since = iso(JOB_STARTED - 4 * DAY);
    expect(
      (await call(`/v1/logs?event_id=evt-a&since=${since}`)).body.logs.map((l: { kind: string }) => l.kind),
    ).toEqual(['timeout', 'http']);
    expect((await call(`/v1/logs?since=${since}&limit=1`)).body.logs).toHaveLength(1);
    expectError(await call('/v1/logs?since=now'), 400, 'VALIDATION_FAILED', 'since');
    expectError(await call("/v1/logs?event_id=' OR 1=1 --"), 400, 'VALIDATION_FAILED', 'event_id');
  });
});

describe('ad-hoc SQL', () => {
  const sql = (body: unknown, key = KEY) => send('POST', '/v1/sql', body, auth(key));

  it('runs a read-only query and returns JSON or CSV', async () => {
    const r = await sql({
      sql: "SELECT zone, count() AS scrapes FROM zone_snapshots WHERE event_id = 'evt-a' GROUP BY zone ORDER BY zone;",
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      sql: "SELECT zone, count() AS scrapes FROM zone_snapshots WHERE event_id = 'evt-a' GROUP BY zone ORDER BY zone ASC",
      columns: ['zone', 'scrapes'],
      rows: [
        { zone: 'Balcony', scrapes: 2 },
        { zone: 'Orchestra', scrapes: 5 },
      ],
      row_count: 2,
    });
    const csv = await sql({
      sql: "SELECT zone, min(lowest_price_cents) AS low FROM zone_snapshots WHERE event_id = 'evt-b' GROUP BY zone ORDER BY zone",
      format: 'csv',
    });
    expect(csv.headers.get('Content-Type')).toMatch(/^text\/csv/);
    expect(csv.text).toBe('zone,low\r\nOrchestra,15000\r\nPromo,0\r\n');
  });

  it('refuses writes and DDL with 403', async () => {
    for (const q of [
      "INSERT INTO events (event_id) VALUES ('x')",
      'INSERT INTO events SELECT * FROM events',
      'ALTER TABLE events DELETE WHERE 1',
      'ALTER TABLE events DROP COLUMN venue',
      'DROP TABLE events',
      'TRUNCATE TABLE events',
      'CREATE TABLE evil (a UInt8) ENGINE = Memory',
      'RENAME TABLE events TO gone',
      'OPTIMIZE TABLE events FINAL',
    ])
      expectError(await sql({ sql: q }), 403, 'FORBIDDEN');
  });

  it('has readonly=1 refuse writes by itself too (defence in depth under the statement check)', async () => {
    for (const q of [
      "INSERT INTO events (event_id) VALUES ('x')",
      'DROP TABLE events',
      'ALTER TABLE events DELETE WHERE 1',
    ]) {
      const err = await store.query(q, undefined, adhocSettings(apiConfig().sql)).catch((e: unknown) => e);
      expect(classifyAdhocError(err)).toBeInstanceOf(ForbiddenError);
    }
  });

  it('refuses SETTINGS overrides: readonly=1 holds even without our check', async () => {
    expectError(await sql({ sql: 'SELECT * FROM numbers(1000) SETTINGS max_result_rows = 100000' }), 403);
    expectError(await sql({ sql: 'SELECT 1 SETTINGS readonly = 0' }), 403);
    // Bypassing our SETTINGS check (it runs on the canonical text) must still hit readonly=1:
    const direct = await store
      .query('SELECT 1 SETTINGS max_result_rows = 100000', undefined, { readonly: '1' } as never)
      .catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(Error);
    expect(String((direct as Error).message)).toMatch(/readonly/i);
  });

  it('refuses table functions and functions that read files, run programs or reach the network', async () => {
    for (const q of [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT file('/etc/passwd')",
      "SELECT `file`('/etc/passwd')",
      "SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')",
      "SELECT * FROM executable('id', 'LineAsString', 'x String')",
      "SELECT * FROM s3('http://127.0.0.1:1/b/k', 'CSV')",
      "SELECT * FROM remote('127.0.0.1:1', system.one)",
      "SELECT * FROM mysql('127.0.0.1:1', 'db', 't', 'u', 'p')",
      "DESCRIBE file('/etc/passwd', 'CSV')",
      "SELECT 1 /* hide */ , fi\\u006ce('/etc/passwd')",
      "SELECT 1 # '\n, file('/etc/passwd') -- '",
      "SELECT 1 INTO OUTFILE '/tmp/tws-api-outfile.txt'",
    ]) {
      const r = await sql({ sql: q });
      expect([400, 403], `${q}: ${r.text}`).toContain(r.status);
      expect(r.text).not.toContain('root:');
      if (!q.includes('\\u006c')) expect(r.status, `${q}: ${r.text}`).toBe(403);
    }
    expect(existsSync('/tmp/tws-api-outfile.txt')).toBe(false);
  });

  it('rejects multi-statement input with 400', async () => {
    const r = await sql({ sql: 'SELECT 1; DROP TABLE events' });
    expectError(r, 400, 'SQL_ERROR', 'sql');
    expect(r.body.error.message).toMatch(/Multi-statements/i);
    expectError(await sql({ sql: 'SELECT 1; SELECT 2' }), 400, 'SQL_ERROR');
  });

  it("gives ClickHouse's message for the analyst's own errors (400, never 500)", async () => {
    const syntax = await sql({ sql: 'SELEC 1' });
    expectError(syntax, 400, 'SQL_ERROR', 'sql');
    expect(syntax.body.error.message).toMatch(/Syntax error/);
    const unknown = await sql({ sql: 'SELECT timeout_column FROM events' });
    expectError(unknown, 400, 'SQL_ERROR');
    expect(unknown.body.error.message).toMatch(/timeout_column/);
    const rows = await sql({ sql: 'SELECT number FROM numbers(1000)' });
    expectError(rows, 400, 'SQL_LIMIT_EXCEEDED');
    expectError(await sql({ sql: 'SELECT 1 FORMAT CSV' }), 400, 'SQL_ERROR');
    expectError(await sql({ sql: '' }), 400, 'VALIDATION_FAILED', 'sql');
    expectError(await sql({ sql: '-- nothing' }), 400, 'SQL_ERROR');
    expectError(await sql({ sql: 'SELECT 1', format: 'xml' }), 400, 'VALIDATION_FAILED', 'format');
  });

  it('leaves every table in place after the writes it refuses', async () => {
    for (const q of [
      'DROP TABLE events',
      'TRUNCATE TABLE zone_snapshots',
      'CREATE TABLE evil (a UInt8) ENGINE = Memory',
      'RENAME TABLE events TO gone',
      "INSERT INTO events (event_id) VALUES ('x')",
      'SELECT 1; DROP TABLE zone_snapshots',
    ])
      expect([400, 403], q).toContain((await sql({ sql: q })).status);
    const r = await sql({ sql: "SELECT count() AS n FROM events FINAL WHERE event_id IN ('evt-a', 'evt-b')" });
    expect(r.body.rows).toEqual([{ n: 2 }]);
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'zone_snapshots', 'evil', 'gone')",
    );
    expect(tables.map((t) => t.name).sort()).toEqual(['events', 'zone_snapshots']);
  });
});

describe('failures', () => {
  it('503 with Retry-After when the store is down, and no internal message', async () => {
    store.faults.fail(['read']);
    try {
      for (const path of [
        '/v1/events',
        '/v1/events/evt-a',
        '/v1/events/evt-a/zones',
        `/v1/events/evt-a/price-trend?zone=Orchestra&${range2h}`,
        '/v1/jobs',
        '/v1/logs',
      ]) {
        const r = await call(path);
        expectError(r, 503, 'STORE_UNAVAILABLE');
        expect(r.headers.get('Retry-After')).toBe('5');
        expect(r.text).not.toMatch(/injected|ClickHouse read/);
      }
      expectError(await send('POST', '/v1/sql', { sql: 'SELECT 1' }), 503, 'STORE_UNAVAILABLE');
      const ready = await call('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', checks: { clickhouse: 'failed', kafka: 'skipped' } });
      expect(ready.body.error.message).toMatch(/clickhouse/);
      expect((await call('/healthz')).status).toBe(200);
    } finally {
      store.faults.clear();
    }
  });

  it('500 with a generic body, no stack and no internal message', async () => {
    const broken = {
      list: async () => {
        throw new Error('secret internal detail at /srv/app.ts:12');
      },
    } as unknown as EventCatalog;
    const a = createApp({ store, config: apiConfig(), catalog: broken });
    const r = await call('/v1/events', {}, a);
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { code: 'INTERNAL', message: 'internal server error' } });
  });

  it('429 with Retry-After past the per-key or per-address limit', async () => {
    const a = createApp({ store, config: apiConfig({ rateLimitPerMinute: 3 }), catalog });
    for (let i = 0; i < 3; i++) expect((await call('/v1/events/evt-a', {}, a)).status).toBe(200);
    const limited = await call('/v1/events/evt-a', {}, a);
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    // A key has its own bucket; probes are not limited.
    expect((await call('/v1/events/evt-a', { headers: auth() }, a)).status).toBe(200);
    expect((await call('/healthz', {}, a)).status).toBe(200);
  });

  it('404 JSON for an unknown route', async () => {
    expectError(await call('/v2/nothing'), 404, 'NOT_FOUND');
    expectError(await call('/v1/events/evt-a/nothing'), 404, 'NOT_FOUND');
  });
});

describe('access and HTTP', () => {
  it('keys reads when readAuth is "key"', async () => {
    const a = createApp({ store, config: apiConfig({ readAuth: 'key' }), catalog });
    expectError(await call('/v1/events', {}, a), 401, 'UNAUTHORIZED');
    expectError(await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range2h}`, {}, a), 401);
    const keyed = await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range2h}`, { headers: auth() }, a);
    expect(keyed.status).toBe(200);
    expect(keyed.headers.get('Cache-Control')).toBe('private, max-age=300');
    expect((await call('/healthz', {}, a)).status).toBe(200);
  });

  it('refuses a wrong key even on public reads', async () => {
    expectError(await call('/v1/events', { headers: auth('nope') }), 401, 'UNAUTHORIZED');
  });

  it('sends secure headers, and CORS only for configured origins', async () => {
    const r = await app.request('/v1/events');
    expect(r.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(r.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const a = createApp({ store, config: apiConfig({ corsOrigins: ['https://dash.example'] }), catalog });
    const pre = await a.request('/v1/events', {
      method: 'OPTIONS',
      headers: { Origin: 'https://dash.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBe('https://dash.example');
    const other = await a.request('/v1/events', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('serves probes, metrics per route pattern, the OpenAPI document and the docs page', async () => {
    expect((await call('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await createApp({ store, config: apiConfig(), catalog, kafkaReady: async () => true }).request(
      '/readyz',
    );
    expect(await ready.json()).toEqual({
      status: 'ready',
      reads: 'ready',
      writes: 'ready',
      checks: { clickhouse: 'ok', kafka: 'ok' },
    });
    // Kafka down (issue 13): ready for reads, and says that it is read-only; not ready for writes.
    const withoutKafka = createApp({ store, config: apiConfig(), catalog, kafkaReady: async () => false });
    const readOnly = await call('/readyz', {}, withoutKafka);
    expect(readOnly.status).toBe(200);
    expect(readOnly.body).toMatchObject({ status: 'read_only', reads: 'ready', writes: 'unavailable' });
    expect(readOnly.body.note).toMatch(/read-only/);
    const notReady = await call('/readyz?for=writes', {}, withoutKafka);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({
      checks: { clickhouse: 'ok', kafka: 'failed' },
      error: { code: 'NOT_READY' },
    });

    // The requests the metrics below count, made here: a read, a trend and an unknown route.
    expect((await call('/v1/events/evt-a')).status).toBe(200);
    expect((await call(`/v1/events/evt-a/price-trend?zone=Orchestra&${range2h}`)).status).toBe(200);
    expect((await call('/v2/nothing')).status).toBe(404);
    const m = await call('/metrics');
    expect(m.status).toBe(200);
    expect(m.headers.get('Content-Type')).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/tws_http_requests_total\{route="\/v1\/events\/:eventId",method="GET",status="200"\} \d+/);
    expect(m.text).toMatch(
      /tws_http_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/events\/:eventId\/price-trend",method="GET"\}/,
    );
    expect(m.text).not.toContain('evt-a');
    expect(m.text).toContain('tws_consumer_lag_records{group="tws-metrics"} 7');
    expect(m.text).toContain('tws_consumer_lag_records{group="tws-metrics-lifecycle"} 12');
    expect(await registry.getSingleMetricAsString('tws_http_requests_total')).toContain('route="unmatched"');

    const doc = await call('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
    expectError(await call('/'), 404);
  });
});
