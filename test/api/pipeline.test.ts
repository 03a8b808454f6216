// The API on data that the real consumers wrote: a known stream goes through Kafka and the metrics
// consumer into embedded ClickHouse, and every trend endpoint is checked against the independent
// recomputation from the raw snapshots (not against the pipeline's own tables).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createApp } from '../../api/app.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { count, produceSnapshots, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { recomputeRollups, type ExpectedRollup } from '../support/recompute.ts';
import { knownStream } from '../support/stream.ts';

const START = Date.UTC(2026, 10, 20, 22, 0, 0);
const stream = knownStream({ events: 2, hours: 30, scrapesPerHour: 2, start: START, seed: 21 });
const distinct = new Set(stream.map((s) => s.snapshot_id)).size;
const config = testConfig();
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  env = await setUpPipeline(config);
  const catalog = new EventCatalog({ store: env.store });
  await catalog.create({
    event_id: 'evt-0',
    source: 'simulated',
    source_event_id: '5000',
    name: 'Known',
    venue: 'Hall',
    timezone: 'UTC',
    starts_at: START + 10 * 86_400_000,
    capacity: 2_000,
  });
  await catalog.create({
    event_id: 'evt-1',
    source: 'simulated',
    source_event_id: '5001',
    name: 'Unknown capacity',
    venue: 'Hall',
    timezone: 'UTC',
    starts_at: START + 10 * 86_400_000,
    capacity: null,
  });
  await produceSnapshots(env.producer, stream);
  consumers = await startConsumers({ config, store: env.store, kafka: env.kafka, log: silentLogger, only: 'metrics' });
  // Every record's range has reached the ledger's `after`. zone_snapshots alone does not say so:
  // the views fill their tables one after the other within an insert, the rollups after it.
  await waitFor('every record written', async () => consumers.metrics.stats.records >= stream.length, 90_000);
  expect(await count(env.store, 'SELECT uniqExact(snapshot_id) AS n FROM zone_snapshots')).toBe(distinct);
  app = createApp({ store: env.store, config: config.api, catalog });
}, 180_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

const range = `from=${new Date(START - 86_400_000).toISOString()}&to=${new Date(START + 3 * 86_400_000).toISOString()}`;
const usd = (cents: number | null) => (cents === null ? null : Math.round(cents) / 100);
const expected = (granularity: 'hourly' | 'daily', event: string, zone: string): ExpectedRollup[] =>
  recomputeRollups(stream, granularity === 'hourly' ? 3_600_000 : 86_400_000)
    .filter((r) => r.event_id === event && r.zone === zone)
    .sort((a, b) => a.start - b.start);

async function get<T>(path: string): Promise<T> {
  const res = await app.request(path);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

describe.each(['hourly', 'daily'] as const)('%s trends on consumer-written data', (granularity) => {
  it.each([
    ['evt-0', 'Floor'],
    ['evt-1', 'Lower'],
  ])('price trend of %s / %s equals the recomputation', async (event, zone) => {
    const want = expected(granularity, event, zone);
    const got = await get<{
      points: Array<{ t: string; min_price: number | null; avg_price: number | null }>;
      trend: string | null;
      percent_change: number | null;
    }>(`/v1/events/${event}/price-trend?zone=${zone}&granularity=${granularity}&${range}`);
    expect(got.points.map((p) => Date.parse(p.t))).toEqual(want.map((w) => w.start));
    expect(got.points.map((p) => p.min_price)).toEqual(want.map((w) => usd(w.min_price_cents)));
    got.points.forEach((p, i) => expect(p.avg_price).toBeCloseTo(want[i]!.avg_price_cents! / 100, 2));
    const first = want[0]!.min_price_cents!;
    const last = want.at(-1)!.min_price_cents!;
    expect(got.percent_change).toBeCloseTo(((last - first) / first) * 100, 1);
    expect(got.trend).toBe(
      Math.abs((last - first) / first) < 0.005 ? 'flat' : last > first ? 'increasing' : 'decreasing',
    );
  });

  it('group price trend (4 seats) equals the recomputation and skips empty windows', async () => {
    const want = expected(granularity, 'evt-0', 'Upper').filter((w) => w.min_price_4_cents !== null);
    const got = await get<{ points: Array<{ t: string; price: number }> }>(
      `/v1/events/evt-0/group-price-trend?zone=Upper&group_size=4&granularity=${granularity}&${range}`,
    );
    expect(got.points.map((p) => [Date.parse(p.t), p.price])).toEqual(
      want.map((w) => [w.start, usd(w.min_price_4_cents)]),
    );
  });

  it('inventory trend uses the event capacity, and null when it is unknown', async () => {
    const want = expected(granularity, 'evt-0', 'Lower');
    const got = await get<{
      points: Array<{ tickets: number; listings: number; tickets_peak: number; availability_rate: number | null }>;
    }>(`/v1/events/evt-0/inventory-trend?zone=Lower&granularity=${granularity}&${range}`);
    expect(got.points.map((p) => [p.tickets, p.listings, p.tickets_peak])).toEqual(
      want.map((w) => [w.tickets_last, w.listings_last, w.tickets_peak]),
    );
    got.points.forEach((p, i) => expect(p.availability_rate).toBeCloseTo((want[i]!.tickets_last / 2_000) * 100, 2));
    const unknown = await get<{ points: Array<{ availability_rate: number | null }> }>(
      `/v1/events/evt-1/inventory-trend?zone=Lower&granularity=${granularity}&${range}`,
    );
    expect(unknown.points.length).toBeGreaterThan(0);
    expect(unknown.points.every((p) => p.availability_rate === null)).toBe(true);
  });

  it('candles open and close at the first and last get-in price of each window', async () => {
    const want = expected(granularity, 'evt-1', 'Floor').filter((w) => w.min_price_cents !== null);
    const got = await get<{ points: Array<{ t: string; open: number; low: number; close: number }> }>(
      `/v1/events/evt-1/candles?zone=Floor&granularity=${granularity}&${range}`,
    );
    expect(got.points.map((c) => [Date.parse(c.t), c.open, c.low, c.close])).toEqual(
      want.map((w) => [w.start, usd(w.open_price_cents), usd(w.min_price_cents), usd(w.close_price_cents)]),
    );
  });
});
