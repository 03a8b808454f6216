// Two marketplaces end to end (issue 16): the simulated marketplace serving both the Vivid Seats
// (hermes) and the Gametime API, six catalog events each on both (simulated + simulated-gametime),
// the real scrape path (scheduler → requests topic → scraper worker with one rate limiter per source
// → snapshots topic on the real broker and registry) and the real metrics consumer writing to an
// embedded chDB. It proves that:
//   1. the per-source zone rows (zone_snapshots) equal the TypeScript model (test/support/
//      metrics-model) recomputed from what the simulator served: the published snapshots, decoded
//      with the registry alone and checked listing by listing against the simulator's own state;
//   2. the all-sources zone rows (zone_snapshots_all_sources) and every raw listing's also_on equal
//      the model's all-sources computation (metrics-model/all-sources.ts), cross-site duplicates
//      counted once (and there are some: the simulator cross-lists most hermes inventory);
//   3. each source's limiter holds its own limit at the server: in the simulator's request log, per
//      API, no 60 s window holds more requests than that source's limit, and the limits differ in
//      effect (hermes sends more in a minute than Gametime's limit allows; both are held back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSources } from '../../bin/sources.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { Config } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot, ScrapeJob } from '../../lib/model.ts';
import { Alerter } from '../../producers/alerts.ts';
import { Scheduler } from '../../producers/scheduler.ts';
import { gametimeView } from '../../producers/sources/simulated/gametime.ts';
import { createMarket, type Market } from '../../producers/sources/simulated/market.ts';
import type { RequestLogEntry } from '../../producers/sources/simulated/request-log.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { ScrapeWorker } from '../../producers/worker.ts';
import { testConfig } from '../helpers/env.ts';
import { allSources, type AllSourcesSnapshot } from '../support/metrics-model/all-sources.ts';
import { computeSnapshotMetrics, type SnapshotMetrics } from '../support/metrics-model/compute.ts';
import { TrailingMedians } from '../support/metrics-model/outliers.ts';
import { setUpPipeline, waitFor } from '../support/pipeline.ts';
import { readTopic } from '../support/read-topic.ts';

const SEED = 16;
const EVENTS = 6;
const WINDOW_MS = 60_000;
/** Requests per minute, each source its own: both below EVENTS, so both limiters hold requests back. */
const LIMIT = { simulated: 4, 'simulated-gametime': 3 } as const;
type SimSource = keyof typeof LIMIT;
const SIM_SOURCES = Object.keys(LIMIT) as SimSource[];
/** The simulator's API each source speaks (its request log names them so). */
const API = { simulated: 'hermes', 'simulated-gametime': 'gametime' } as const;
const SCRAPES = EVENTS * SIM_SOURCES.length;

let sim: SimulatedMarketplace;
/** The simulator's market, rebuilt from its seed: what it served at any minute. */
let market: Market;
let config: Config;
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService | undefined;
const started: Array<{ stop(): Promise<void> }> = [];
let job: ScrapeJob;
/** The published snapshots in offset order (one partition): the order the consumer processed them. */
let snapshots: ListingSnapshot[];
let requests: RequestLogEntry[];

beforeAll(async () => {
  const before = Date.now();
  sim = await startSimulatedMarketplace({ port: 0, seed: SEED, events: EVENTS });
  // The market is a pure function of (seed, events, the half hour it started in).
  market = [before, Date.now()]
    .map((now) => createMarket({ seed: SEED, events: EVENTS, now }))
    .find((m) => JSON.stringify(m.productions) === JSON.stringify(sim.productions()))!;
  expect(market, "the simulator's market, rebuilt").toBeDefined();

  config = testConfig({
    // One partition: every scrape request reaches the worker in one batch, so only the limiters
    // pace the requests, and the snapshots read back below are in the consumer's processing order.
    TWS_TOPIC_PARTITIONS: '1',
    TWS_SCRAPE_CONCURRENCY: String(2 * SCRAPES),
    TWS_SOURCES__SIMULATED__RATE_LIMIT_PER_MINUTE: String(LIMIT.simulated),
    TWS_SOURCES__SIMULATED_GAMETIME__RATE_LIMIT_PER_MINUTE: String(LIMIT['simulated-gametime']),
    TWS_REQUEST_TIMEOUT_MS: '5000',
  });
  env = await setUpPipeline(config);
  const catalog = new EventCatalog({ store: env.store });
  for (const p of sim.productions()) {
    await catalog.create({
      sources: [
        { source: 'simulated', source_event_id: p.productionId },
        { source: 'simulated-gametime', source_event_id: sim.gametimeEventId(p.productionId) },
      ],
      name: p.name,
      venue: p.venue,
      timezone: p.timezone,
      starts_at: p.startsAt,
      capacity: p.capacity,
    });
  }
  consumers = await startConsumers({ config, store: env.store, kafka: env.kafka, log: silentLogger, only: 'metrics' });

  const producer = () => {
    const p = new AvroProducer(env.kafka, config, [
      'snapshots',
      'scrapeOutcomes',
      'scrapeLogs',
      'scrapeRequests',
      'scrapeJobs',
      'deadLetter',
    ]);
    started.push(p);
    return p.start().then(() => p);
  };
  const worker = new ScrapeWorker({
    kafka: env.kafka,
    config,
    producer: await producer(),
    sources: await buildSources(config, { simUrl: sim.url }),
    log: silentLogger,
  });
  await worker.start();
  started.push(worker);
  await worker.joined;
  const scheduler = new Scheduler({
    kafka: env.kafka,
    config,
    producer: await producer(),
    catalog,
    alerter: new Alerter(silentLogger),
    log: silentLogger,
    // Gametime's 3 a minute take two windows (just over 60 s) for six events.
    jobDeadlineMs: 110_000,
  });
  await scheduler.start();
  started.push(scheduler);

  sim.resetStats();
  job = await scheduler.runOnce();
  requests = sim.stats().requests;
  await waitFor('every snapshot written', async () => consumers!.metrics.stats.records >= SCRAPES, 60_000);
  snapshots = await readTopic<ListingSnapshot>(env.kafka, env.producer.topics.snapshots, config.registry.url, {
    min: SCRAPES,
  });
}, 170_000);

afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => {});
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
  await sim?.close();
});

type Row = Record<string, unknown>;
const norm = (v: unknown): unknown => (typeof v === 'boolean' ? Number(v) : v === undefined ? null : v);
const METRIC_COLUMNS = [
  'zone_id',
  'sections',
  'lowest_price_cents',
  'lowest_base_price_cents',
  'median_price_cents',
  'highest_price_cents',
  'lowest_price_2_cents',
  'lowest_price_4_cents',
  'sum_price_cents',
  'priced_listings',
  'total_tickets',
  'total_listings',
  'available',
  'outlier_listings',
  'rejected_listings',
] as const;

function expectMetrics(actual: Row, expected: Record<string, unknown>, what: string): void {
  for (const col of METRIC_COLUMNS) expect(norm(actual[col]), `${what} ${col}`).toEqual(norm(expected[col]));
  if (expected.average_price_cents === null) expect(actual.average_price_cents, `${what} average`).toBeNull();
  else
    expect(Number(actual.average_price_cents), `${what} average`).toBeCloseTo(Number(expected.average_price_cents), 6);
}

/** The model over the snapshots in processing order: per-source metrics, then all sources. */
function model(): { perSource: SnapshotMetrics[]; all: AllSourcesSnapshot[] } {
  const medians = new TrailingMedians();
  const opts = {
    medians,
    outlierRatio: config.consumer.outlierRatio,
    excludeOutliers: config.consumer.excludeOutliers,
  };
  const perSource = snapshots.map((s) => computeSnapshotMetrics(s, opts));
  const processed = snapshots.map((snapshot, i) => ({ snapshot, metrics: perSource[i]! }));
  // The all-sources model takes one event's snapshots at a time, in processing order.
  const all = [...new Set(snapshots.map((s) => s.event_id))].flatMap((event) =>
    allSources(
      processed.filter((p) => p.snapshot.event_id === event),
      {
        tolerance: config.allSources.dedupeTolerance,
        maxAgeMs: config.allSources.maxAgeSeconds * 1000,
        excludeOutliers: config.consumer.excludeOutliers,
      },
    ),
  );
  return { perSource, all };
}

interface ServedListing {
  section: string;
  row: string;
  quantity: number;
  all_in_price_cents: number;
}

/** What the simulator served for one request: its listings by id, as the API wrote them. */
function served(source: SimSource, sourceEventId: string, atMs: number): Map<string, ServedListing> | undefined {
  if (source === 'simulated') {
    const body = market.listingsAt(sourceEventId, atMs);
    return (
      body &&
      new Map(
        body.tickets.map((t) => [
          t.i,
          { section: t.s, row: t.r, quantity: Number(t.q), all_in_price_cents: Math.round(Number(t.aip) * 100) },
        ]),
      )
    );
  }
  const body = gametimeView(SEED, market).listingsAt(sourceEventId, atMs);
  return (
    body &&
    new Map(
      body.listings.map((l) => [
        l.id,
        { section: l.section, row: l.row, quantity: l.seats.length, all_in_price_cents: l.price.total },
      ]),
    )
  );
}

const requestsOf = (source: SimSource) => requests.filter((r) => r.api === API[source]).sort((a, b) => a.at - b.at);

/** The most requests in any window of WINDOW_MS (a fullest window starts at a request). */
const fullestWindow = (times: number[]) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + WINDOW_MS).length));

describe('one scrape job over two marketplaces', () => {
  it('scrapes every event on both sources once, each snapshot holding what the simulator served', () => {
    expect(job).toMatchObject({
      status: 'success',
      events_planned: SCRAPES,
      events_succeeded: SCRAPES,
      events_failed: 0,
    });
    expect(snapshots).toHaveLength(SCRAPES);
    const productions = sim
      .productions()
      .map((p) => p.productionId)
      .sort();
    for (const source of SIM_SOURCES) {
      const own = requestsOf(source);
      expect(own.map((r) => r.status)).toEqual(own.map(() => 200));
      expect(own.map((r) => r.productionId).sort(), source).toEqual(productions);
      expect(snapshots.filter((s) => s.source === source)).toHaveLength(EVENTS);
    }
    // Each snapshot against the simulator's own state at its request: every listing as served, and
    // every served listing either published or counted as rejected.
    const productionOf = new Map(
      sim.productions().flatMap((p) => [
        [`simulated|${p.productionId}`, p.productionId],
        [`simulated-gametime|${sim.gametimeEventId(p.productionId)}`, p.productionId],
      ]),
    );
    for (const s of snapshots) {
      const source = s.source as SimSource;
      const productionId = productionOf.get(`${source}|${s.source_event_id}`);
      const request = requestsOf(source).find((r) => r.productionId === productionId)!;
      expect(request, `${s.source} ${s.event_id}: its request`).toBeDefined();
      // The body is made in the request's minute (or the next one, on a boundary between arrival and answer).
      const candidates = [request.at, request.at + 1_000].map((t) => served(source, s.source_event_id, t)!);
      const published = new Map(
        s.zones.flatMap((z) =>
          z.sections.flatMap((sec) =>
            sec.listings.map((l): [string, ServedListing] => [
              l.listing_id,
              { section: sec.name, row: l.row, quantity: l.quantity, all_in_price_cents: l.all_in_price_cents! },
            ]),
          ),
        ),
      );
      const rejected = s.rejected.reduce((n, r) => n + r.count, 0);
      const matches = candidates.some(
        (body) =>
          published.size + rejected === body.size &&
          [...published].every(([id, l]) => JSON.stringify(body.get(id)) === JSON.stringify(l)),
      );
      expect(matches, `${s.source} ${s.event_id}: the listings served`).toBe(true);
      expect(published.size, `${s.source} ${s.event_id}`).toBeGreaterThan(0);
    }
  });

  it('writes per-source zone rows equal to the model recomputed from the served listings', async () => {
    const { perSource } = model();
    const rows = await env.store.query<Row>(`SELECT * FROM ${TABLES.zoneSnapshots}`);
    expect(rows).toHaveLength(perSource.reduce((n, m) => n + m.zones.length, 0));
    const byKey = new Map(rows.map((r) => [`${r.snapshot_id}|${r.zone_id}`, r]));
    snapshots.forEach((s, i) => {
      const m = perSource[i]!;
      for (const z of m.zones) {
        const what = `${s.source} ${s.snapshot_id} ${z.zone}`;
        const a = byKey.get(`${s.snapshot_id}|${z.zone_id}`);
        expect(a, `${what} missing`).toBeDefined();
        expect(a!.source, what).toBe(s.source);
        expect(a!.zone, what).toBe(z.zone);
        expect(a!.days_to_event, what).toBe(m.daysToEvent);
        expectMetrics(a!, z as unknown as Record<string, unknown>, what);
      }
    });
    const perSourceRows = Object.fromEntries(
      SIM_SOURCES.map((source) => [source, rows.filter((r) => r.source === source).length]),
    );
    console.info(`two-sources e2e: zone_snapshots rows compared per source ${JSON.stringify(perSourceRows)}`);
    for (const source of SIM_SOURCES) expect(perSourceRows[source], source).toBeGreaterThan(0);
  });

  it('writes all-sources zone rows and also_on equal to the model, cross-site duplicates counted once', async () => {
    const { all } = model();
    const [rows, raws] = await Promise.all([
      env.store.query<Row>(`SELECT * FROM ${TABLES.zoneSnapshotsAllSources}`),
      env.store.query<Row>(
        `SELECT snapshot_id, source, zone_id, section, listing_id, also_on FROM ${TABLES.rawListings}`,
      ),
    ]);
    expect(rows).toHaveLength(all.reduce((n, m) => n + m.zones.length, 0));
    const byKey = new Map(rows.map((r) => [`${r.snapshot_id}|${r.zone}`, r]));
    let duplicates = 0;
    let combined = 0;
    for (const m of all) {
      for (const z of m.zones) {
        const what = `${m.snapshot.source} ${m.snapshot.snapshot_id} ${z.zone}`;
        const a = byKey.get(`${m.snapshot.snapshot_id}|${z.zone}`);
        expect(a, `${what} missing`).toBeDefined();
        expectMetrics(a!, z as unknown as Record<string, unknown>, what);
        expect(Number(a!.duplicate_listings), `${what} duplicate_listings`).toBe(z.duplicate_listings);
        expect(a!.source, what).toBe(m.snapshot.source);
        expect(a!.sources, `${what} sources`).toEqual(m.sources);
        expect(a!.snapshot_ids, `${what} snapshot_ids`).toEqual(m.snapshot_ids);
        duplicates += z.duplicate_listings;
      }
      if (m.sources.length > 1) combined++;
      // Each own listing's sites, as multisets per (zone, section, listing id).
      const actual = raws
        .filter((r) => r.snapshot_id === m.snapshot.snapshot_id)
        .map((r) => `${r.zone_id}|${r.section}|${r.listing_id}|${(r.also_on as string[]).join(',')}`)
        .sort();
      const want = [...m.alsoOn].map(([k, v]) => `${k.slice(0, k.lastIndexOf('|'))}|${v.join(',')}`).sort();
      expect(actual, `${m.snapshot.snapshot_id} also_on`).toEqual(want);
    }
    const actualDuplicates = rows.reduce((n, r) => n + Number(r.duplicate_listings), 0);
    console.info(
      `two-sources e2e: ${rows.length} zone_snapshots_all_sources rows compared, ${combined}/${all.length} snapshots combined with the other source, ${actualDuplicates} duplicate listings`,
    );
    // The fixture reaches the dedupe: inventory listed on both sites, counted once.
    expect(combined).toBeGreaterThan(0);
    expect(duplicates).toBeGreaterThan(0);
    expect(actualDuplicates).toBe(duplicates);
  });

  it("holds each source's own rate limit at the server, and the two limits differ in effect", () => {
    const times = Object.fromEntries(SIM_SOURCES.map((s) => [s, requestsOf(s).map((r) => r.at)])) as Record<
      SimSource,
      number[]
    >;
    const fullest = Object.fromEntries(SIM_SOURCES.map((s) => [s, fullestWindow(times[s])])) as Record<
      SimSource,
      number
    >;
    for (const s of SIM_SOURCES) {
      const t = times[s];
      console.info(
        `two-sources e2e: ${API[s]} (limit ${LIMIT[s]}/min): ${t.length} requests at +${t.map((x) => ((x - t[0]!) / 1000).toFixed(1)).join(', +')} s; fullest 60 s window ${fullest[s]}`,
      );
      expect(t).toHaveLength(EVENTS);
      // The bound, from the server's side: no 60 s window holds more than the source's own limit.
      expect(fullest[s], `${API[s]} requests in a 60 s window`).toBeLessThanOrEqual(LIMIT[s]);
      // … and it bit: the request past the limit came a full window after the first.
      expect(t[LIMIT[s]]! - t[0]!, `${API[s]}: request ${LIMIT[s] + 1} held back`).toBeGreaterThanOrEqual(WINDOW_MS);
    }
    // Each source has its own limiter: hermes sent more in one minute than Gametime's limit allows,
    // so Gametime was spaced more (more of its requests waited for a second window).
    expect(fullest.simulated).toBeGreaterThan(LIMIT['simulated-gametime']);
    const late = (s: SimSource) => times[s].filter((x) => x >= times[s][0]! + WINDOW_MS).length;
    expect(late('simulated-gametime')).toBeGreaterThan(late('simulated'));
  });
});
