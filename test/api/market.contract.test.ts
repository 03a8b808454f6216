// Contract of the market-signal endpoints (sales, listing changes, compare) against a real embedded
// ClickHouse: every expected value below is worked out by hand from the rows in ./market-seed.ts,
// which the market rollups' own materialized views aggregate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { D0, D1, seedMarket } from './market-seed.ts';
import { DAY, HOUR, apiConfig, iso, openStore } from './seed.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

let store: Store;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  store = await openStore();
  const catalog = new EventCatalog({ store });
  await seedMarket(store, catalog);
  app = createApp({ store, config: apiConfig(), catalog });
});
afterAll(async () => {
  await store?.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await app.request(path, { headers });
  const text = await res.text();
  let body: Body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV stays text.
  }
  return { status: res.status, headers: res.headers, text, body };
}

const days = `from=${iso(D0)}&to=${iso(D0 + 2 * DAY)}`;

describe('GET /v1/events/{id}/sales', () => {
  it('answers daily sales, sell-through, prices and inventory per zone, as worked out by hand', async () => {
    const r = await get(`/v1/events/mkt-a/sales?zone=Floor&granularity=daily&${days}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ event_id: 'mkt-a', zone: 'Floor', granularity: 'daily' });
    expect(r.body.points).toEqual([
      {
        t: iso(D0),
        zone: 'Floor',
        tickets_sold: 2,
        revenue: 200,
        sales: 1,
        inventory_start: 6,
        inventory_end: 7,
        tickets_added: 5,
        sell_through: 18.18,
        new_listings: 1,
        new_tickets: 3,
        returned_listings: 1,
        removed_listings: 1,
        price_cuts: 1,
        price_raises: 0,
        median_days_on_market: 0.04,
        realized_price: 100,
        asking_price: 140,
      },
      {
        t: iso(D1),
        zone: 'Floor',
        tickets_sold: 3,
        revenue: 450,
        sales: 1,
        inventory_start: 7,
        inventory_end: 5,
        tickets_added: 1,
        sell_through: 37.5,
        new_listings: 1,
        new_tickets: 1,
        returned_listings: 0,
        removed_listings: 1,
        price_cuts: 0,
        price_raises: 0,
        median_days_on_market: 0.96,
        realized_price: 150,
        asking_price: 160,
      },
    ]);
  });

  it('counts a cancelled removal in its own hour: the hour of 12:00 nets to nothing', async () => {
    const r = await get(`/v1/events/mkt-a/sales?zone=Floor&granularity=hourly&from=${iso(D0)}&to=${iso(D0 + DAY)}`);
    expect(r.status).toBe(200);
    const at = (hour: number) => r.body.points.find((p: Body) => p.t === iso(D0 + hour * HOUR));
    expect(at(11)).toMatchObject({
      tickets_sold: 2,
      revenue: 200,
      inventory_start: 6,
      tickets_added: 3,
      price_cuts: 1,
    });
    expect(at(12)).toMatchObject({ tickets_sold: 0, revenue: 0, sales: 0, removed_listings: 1, realized_price: null });
    expect(at(13)).toMatchObject({ tickets_sold: 0, returned_listings: 1, tickets_added: 2, inventory_start: 5 });
  });

  it('answers every zone when none is named, and the same points as CSV', async () => {
    const r = await get(`/v1/events/mkt-a/sales?${days}`);
    expect(r.body.zone).toBeNull();
    expect(r.body.points.map((p: Body) => `${p.t.slice(0, 10)} ${p.zone}`)).toEqual([
      `${iso(D0).slice(0, 10)} Floor`,
      `${iso(D0).slice(0, 10)} Upper`,
      `${iso(D1).slice(0, 10)} Floor`,
      `${iso(D1).slice(0, 10)} Upper`,
    ]);
    expect(r.body.points[1]).toMatchObject({
      tickets_added: 2,
      inventory_start: 0,
      sell_through: 0,
      asking_price: null,
    });
    expect(r.body.points[3]).toMatchObject({ inventory_start: 2, inventory_end: 2, asking_price: 50, sell_through: 0 });
    const csv = await get(`/v1/events/mkt-a/sales?${days}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]!.split(',').slice(0, 4)).toEqual(['t', 'zone', 'tickets_sold', 'revenue']);
    expect(lines).toHaveLength(5);
    expect(lines[1]!.split(',').slice(1, 4)).toEqual(['Floor', '2', '200']);
  });

  it('answers 404 for an unknown event or zone, 200 with no points for an empty range, 400 naming the field', async () => {
    expect((await get(`/v1/events/nope/sales?${days}`)).status).toBe(404);
    expect((await get(`/v1/events/mkt-a/sales?zone=Nope&${days}`)).status).toBe(404);
    const empty = await get(`/v1/events/mkt-a/sales?from=${iso(D0 - 5 * DAY)}&to=${iso(D0 - 4 * DAY)}`);
    expect([empty.status, empty.body.points]).toEqual([200, []]);
    for (const [q, field] of [
      ['granularity=weekly', 'granularity'],
      ['from=yesterday', 'from'],
      [`from=${iso(D1)}&to=${iso(D0)}`, 'to'],
      ['format=xml', 'format'],
    ]) {
      const r = await get(`/v1/events/mkt-a/sales?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.field, q).toBe(field);
    }
  });
});

describe('GET /v1/events/{id}/listing-changes', () => {
  const ids = (b: Body) => b.changes.map((c: Body) => `${c.listing_id} ${c.kind}`);

  it('pages through every change in order with the cursor', async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/v1/events/mkt-a/listing-changes?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      pages.push(ids(r.body));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(pages).toEqual([
      ['L1 initial', 'L2 initial', 'L1 qty_drop', 'L2 price_change'],
      ['L3 new', 'L9 new', 'L2 removed', 'L2 returned'],
      ['L3 removed', 'L4 new'],
    ]);
  });

  it('gives each change in full: prices in dollars, times in ISO', async () => {
    const r = await get('/v1/events/mkt-a/listing-changes?kind=returned');
    expect(r.body.changes).toEqual([
      expect.objectContaining({
        listing_id: 'L2',
        kind: 'returned',
        zone: 'Floor',
        quantity_before: 2,
        quantity: 2,
        price_before: 180,
        price: 180,
        direction: null,
        tickets_sold: -2,
        sale_price: 180,
        sale_at: iso(D0 + 12 * HOUR),
        removed_at: iso(D0 + 12 * HOUR),
        changed_at: iso(D0 + 13 * HOUR),
        listed_at: iso(D0 + 10 * HOUR),
      }),
    ]);
    const cut = await get('/v1/events/mkt-a/listing-changes?kind=price_change');
    expect(cut.body.changes[0]).toMatchObject({ price_before: 200, price: 180, direction: 'down' });
  });

  it('filters by kinds, zone and time', async () => {
    expect(ids((await get('/v1/events/mkt-a/listing-changes?kind=removed,returned')).body)).toEqual([
      'L2 removed',
      'L2 returned',
      'L3 removed',
    ]);
    expect(ids((await get('/v1/events/mkt-a/listing-changes?zone=Upper')).body)).toEqual(['L9 new']);
    expect(ids((await get(`/v1/events/mkt-a/listing-changes?from=${iso(D1)}`)).body)).toEqual(['L3 removed', 'L4 new']);
    expect(ids((await get(`/v1/events/mkt-a/listing-changes?to=${iso(D0 + 11 * HOUR)}`)).body)).toEqual([
      'L1 initial',
      'L2 initial',
    ]);
  });

  it('answers 404 for an unknown event and 400 naming a bad kind, limit or cursor', async () => {
    expect((await get('/v1/events/nope/listing-changes')).status).toBe(404);
    for (const [q, field] of [
      ['kind=sold', 'kind'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['cursor=bm90IGEgY3Vyc29y', 'cursor'],
      [`from=${iso(D1)}&to=${iso(D0)}`, 'to'],
    ]) {
      const r = await get(`/v1/events/mkt-a/listing-changes?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.field, q).toBe(field);
    }
  });
});

describe('GET /v1/compare', () => {
  const points = (s: Body) => s.points.map((p: Body) => [p.days_to_event, p.value, p.indexed]);

  it('lines up events on days to the show, indexed to 30 days out', async () => {
    const r = await get('/v1/compare?events=mkt-a,mkt-b&zone=Floor&metric=get_in&by=days_to_event&index=30');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ metric: 'get_in', by: 'days_to_event', zone: 'Floor', index: 30 });
    const [a, b] = r.body.series;
    expect([a.event_id, a.index_base, b.event_id, b.index_base]).toEqual(['mkt-a', 100, 'mkt-b', 200]);
    expect(points(a)).toEqual([
      [31, 90, 90],
      [30, 100, 100],
      [10, 120, 120],
      [0, 150, 150],
    ]);
    expect(points(b)).toEqual([
      [30, 200, 100],
      [5, 300, 150],
    ]);
  });

  it('takes every zone when none is named, and the other metrics', async () => {
    const all = await get('/v1/compare?events=mkt-a');
    expect(points(all.body.series[0])[1]).toEqual([30, 40, null]);
    const pair = await get('/v1/compare?events=mkt-a&zone=Floor&metric=get_in_2');
    expect(points(pair.body.series[0])).toEqual([
      [31, 190, null],
      [30, 210, null],
      [10, 250, null],
      [0, 310, null],
    ]);
    const median = await get('/v1/compare?events=mkt-b&zone=Floor&metric=median&index=5');
    expect(points(median.body.series[0])).toEqual([
      [30, 250, 71.43],
      [5, 350, 100],
    ]);
    const noBase = await get('/v1/compare?events=mkt-b&index=7');
    expect(noBase.body.series[0].index_base).toBeNull();
  });

  it('answers 404 naming an unknown event, 400 naming a bad parameter', async () => {
    const r = await get('/v1/compare?events=mkt-a,nope');
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('nope');
    for (const [q, field] of [
      ['', 'events'],
      ['events=', 'events'],
      ['events=a,b,c,d,e,f,g,h,i,j,k', 'events'],
      ['events=bad%20id', 'events'],
      ['events=mkt-a&metric=max', 'metric'],
      ['events=mkt-a&by=date', 'by'],
      ['events=mkt-a&index=0', 'index'],
      ['events=mkt-a&index=x', 'index'],
    ]) {
      const res = await get(`/v1/compare?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.field, q).toBe(field);
    }
  });
});
