// Phases 2, 3 and 5 (API side): one process with an embedded chDB holding a year of hourly rollups,
// the API served from it (createApp + startApi, as `tws api` / `tws up` do), and on command:
//   floor         the trend SQL of api/queries/trends.ts called directly, N at a time (the floor)
//   floor-plain   the same rows read from a plain table of finalized values (bench/lib/plain-floor.ts)
//   anatomy       what one request costs, part by part, one at a time (latency and CPU per call)
//   ingest-start  the metrics consumer ingesting the data-set topic at full speed in this process,
//                 on the same Store (reads and writes share one chDB engine, as in `tws up`)
//   ingest-stop   stops it and reports what it ingested meanwhile
// The orchestrator drives autocannon against the port from its own process.
import { join } from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { EventCatalog, catalogRow } from '../../lib/catalog/catalog.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createApp } from '../../api/app.ts';
import { candles, inventoryTrend, priceTrend, type WindowQuery } from '../../api/queries/trends.ts';
import { zoneExists } from '../../api/queries/zones.ts';
import { startApi } from '../../api/server.ts';
import { resolveRange } from '../../api/trends/windows.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { ENDPOINTS, apiEventId, pick, type ApiDataShape, type Endpoint } from '../lib/api-shape.ts';
import { emit, note, phaseMain, serveCommands } from '../lib/child.ts';
import { benchConfig, cpuSeconds, peakRssMiB, resetPeakRss, tempDir } from '../lib/env.ts';
import { ingestLanesBesideApi } from '../../lib/config.ts';
import { buildPlainFloor, plainFloorQuery } from '../lib/plain-floor.ts';
import { quiesce } from '../lib/quiesce.ts';
import { round, sleep, timedLoop } from '../lib/stats.ts';
import { timedStore, type TimedStore } from '../lib/timed-store.ts';

const HOUR = 3_600_000;

const int = (k: string, d: number): number => Number(process.env[k] ?? d);

/** A year of data: rollups for the old hours directly as aggregate states, scrapes for the recent ones. */
async function load(store: Store, shape: ApiDataShape, end: number): Promise<Record<string, number>> {
  const { events: E, zones: Z, hours: H, recentHours: R } = shape;
  const startS = end / 1000 - H * 3600;
  const took: Record<string, number> = {};
  const timed = async (name: string, fn: () => Promise<void>) => {
    const t0 = performance.now();
    await fn();
    took[name] = round((performance.now() - t0) / 1000);
    note('api', `loaded ${name} in ${took[name]} s`);
  };
  const now = Date.now();
  await timed('events', () =>
    store.insert(
      'events',
      Array.from({ length: E }, (_, e) =>
        catalogRow({
          event_id: apiEventId(e),
          source: 'simulated',
          source_event_id: String(20_000 + e),
          name: `Bench event ${e}`,
          venue: 'Bench Arena',
          timezone: 'UTC',
          starts_at: end + 30 * 86_400_000,
          capacity: 20_000,
          active: true,
          created_at: now,
          updated_at: now,
          version: now,
        }),
      ),
    ),
  );
  // Rows are generated hour-major (all events and zones of an hour, then the next hour), so the
  // ~1M-row insert blocks fall into one or two monthly partitions: few parts, no merge needed.
  // Price level per (event, zone, 6-hour block); one scrape time inside each hour.
  const base = (hours: number) => `
    SELECT number, intDiv(number, ${E * Z}) AS h, intDiv(number, ${Z}) % ${E} AS e, number % ${Z} AS z,
           5000 + z * 2000 + (cityHash64(e, z, intDiv(h, 6)) % 3000) AS p,
           100 + (e + z + h) % 50 AS tk
    FROM numbers(${E * Z * hours})`;
  const scrapeAt = (fromS: number) =>
    `fromUnixTimestamp64Milli(toInt64((${fromS} + h * 3600) * 1000 + (e * 7919 + z * 104729) % 3000000), 'UTC')`;
  const states = (p: string, tk: string, t: string) =>
    `toUInt32(${p}), toUInt32(${p} * 0.8), toUInt32(${p} * 3), toUInt64(${p} * 56), toUInt64(40), toUInt32(${p} * 2),
     toUInt32(${p} * 4), initializeAggregation('argMinState', toUInt32(${p}), ${t}),
     initializeAggregation('argMaxState', toUInt32(${p}), ${t}), initializeAggregation('argMaxState', toUInt32(${tk}), ${t}),
     toUInt64(${tk}), toUInt32(${tk}), initializeAggregation('argMaxState', toUInt32(40), ${t}), toUInt64(40),
     toUInt32(40), toUInt64(0), toUInt64(1), ${t}, ${t}`;
  const oldHours = H - R;
  await timed('zone_rollups_hourly (old hours, as aggregate states)', () =>
    store.command(
      `INSERT INTO zone_rollups_hourly
       SELECT concat('bench-api-evt-', toString(e)), concat('Zone ', toString(z)),
              toDateTime(${startS} + h * 3600, 'UTC'), ${states('p', 'tk', 't')}
       FROM (SELECT *, ${scrapeAt(startS)} AS t FROM (${base(oldHours)}))`,
    ),
  );
  // Daily rollups of the old days (one scrape's worth each: the benchmark reads the hourly ones).
  const oldDays = Math.floor(oldHours / 24);
  await timed('zone_rollups_daily (old days, as aggregate states)', () =>
    store.command(
      `INSERT INTO zone_rollups_daily
       SELECT concat('bench-api-evt-', toString(e)), concat('Zone ', toString(z)),
              toDate(toDateTime(${startS} + h * 86400, 'UTC')), ${states('p', 'tk', 't')}
       FROM (SELECT *, fromUnixTimestamp64Milli(toInt64((${startS} + h * 86400) * 1000), 'UTC') AS t
             FROM (${base(oldDays)}))`,
    ),
  );
  const recentStartS = startS + oldHours * 3600;
  await timed('zone_snapshots (recent hours; the views add their rollups)', () =>
    store.command(
      // No source: rows without one stand for all sources of the event (migration 0071).
      `INSERT INTO zone_snapshots (event_id, scraped_at, snapshot_id, job_id, zone_id, zone, sections, days_to_event,
         lowest_price_cents, lowest_base_price_cents, average_price_cents, median_price_cents, highest_price_cents,
         lowest_price_2_cents, lowest_price_4_cents, sum_price_cents, priced_listings, total_tickets, total_listings,
         available, outlier_listings, rejected_listings, kafka_partition, kafka_offset)
       SELECT concat('bench-api-evt-', toString(e)), ${scrapeAt(recentStartS)},
         concat('bench-api-snap-', toString(e), '-', toString(h)), 'bench-job', concat('z', toString(z)),
         concat('Zone ', toString(z)), 4, toInt32(30 + intDiv(${R} - h, 24)),
         toUInt32(p), toUInt32(p * 0.8), toFloat64(p * 1.4), toUInt32(p * 1.3), toUInt32(p * 3), toUInt32(p * 2),
         toUInt32(p * 4), toUInt64(p * 56), toUInt32(40), toUInt32(tk), toUInt32(40), true, toUInt32(0), toUInt32(0),
         toUInt32(e % 6), toUInt64(number)
       FROM (${base(R)})`,
    ),
  );
  await timed('snapshots (one per event and hour, the whole year)', () =>
    store.command(
      `INSERT INTO snapshots (snapshot_id, event_id, job_id, scraped_at, zones, sections, listings, rejected_listings,
                              outlier_listings, kafka_partition, kafka_offset)
       SELECT concat('bench-api-snap-', toString(e), '-', toString(h)), concat('bench-api-evt-', toString(e)), 'bench-job',
         fromUnixTimestamp64Milli(toInt64((${startS} + h * 3600) * 1000 + (e * 7919) % 3000000), 'UTC'),
         ${Z}, ${Z * 4}, ${Z * 40}, 0, 0, toUInt32(e % 6), toUInt64(number)
       FROM (SELECT number, intDiv(number, ${E}) AS h, number % ${E} AS e FROM numbers(${E * H}))`,
    ),
  );
  const parts = await store.query<{ table: string; parts: number }>(
    `SELECT table, count() AS parts FROM system.parts WHERE active AND database = currentDatabase()
     GROUP BY table ORDER BY table`,
  );
  note('api', `parts: ${parts.map((p) => `${p.table} ${p.parts}`).join(', ')}`);
  // Let the background merges of the load finish: they would compete with the measured queries.
  await timed('settle (background merges)', async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const [m] = await store.query<{ n: number }>('SELECT count() AS n FROM system.merges');
      if (Number(m?.n ?? 0) === 0) return;
      await sleep(250);
    }
  });
  return took;
}

phaseMain(async () => {
  const shape0 = {
    events: int('BENCH_API_EVENTS', 100),
    zones: int('BENCH_API_ZONES', 10),
    hours: int('BENCH_API_HOURS', 8760),
    recentHours: int('BENCH_API_RECENT_HOURS', 8 * 24),
  };
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  // The dashboard's default question: the last 7 days, hourly.
  const shape: ApiDataShape = { ...shape0, from: end - 7 * 24 * HOUR, to: end };
  const prefix = process.env.BENCH_PREFIX ?? 'bench-api';
  // API and consumers in one process, as `tws up` runs them (one ingest lane unless set).
  const config = ingestLanesBesideApi(
    benchConfig({
      prefix,
      chdbPath: join(tempDir('api'), 'chdb'),
      env: { TWS_API_PORT: '0', TWS_API_RATE_LIMIT_PER_MINUTE: '100000000' },
    }),
  );
  const store = await createStore(config.clickhouse);
  await migrate(store);
  const loadSeconds = await load(store, shape, end);
  const floorT0 = performance.now();
  await buildPlainFloor(store);
  loadSeconds['plain floor table'] = round((performance.now() - floorT0) / 1000);
  note('api', `built the plain floor table in ${loadSeconds['plain floor table']} s`);
  const app = createApp({ store, config: config.api, catalog: new EventCatalog({ store }) });
  const server = await startApi(app, { host: '127.0.0.1', port: 0 });
  resetPeakRss();
  await emit('ready', { port: server.port, shape, loadSeconds });

  const range = resolveRange({ from: shape.from, to: shape.to }, 'hourly', Date.now(), config.api.maxRangeDays);
  const windowOf = (i: number): WindowQuery => {
    const { event, zone } = pick(i, shape);
    return { eventId: event, zone, granularity: 'hourly', start: range.start, end: range.end };
  };
  const query = (endpoint: Endpoint, i: number) => {
    const wq = windowOf(i);
    if (endpoint === 'price-trend') return priceTrend(store, wq);
    if (endpoint === 'inventory-trend') return inventoryTrend(store, wq);
    return candles(store, wq);
  };

  // ---- ingest while serving ----------------------------------------------------------------------
  const expected = int('BENCH_SNAPSHOTS', 0);
  const listingsPer = int('BENCH_LISTINGS', 0);
  const kafka = createKafka(config.kafka, silentLogger);
  // BENCH_INGEST_ENV: consumer settings for a variant run, e.g. {"TWS_BATCH_MAX_SNAPSHOTS":"50"}.
  const ingestConfig = ingestLanesBesideApi(
    benchConfig({
      prefix,
      chdbPath: config.clickhouse.mode === 'embedded' ? config.clickhouse.path : undefined,
      env: JSON.parse(process.env.BENCH_INGEST_ENV ?? '{}') as Record<string, string>,
    }),
  );
  interface IngestState {
    svc?: ConsumerService;
    stopping: boolean;
    loop: Promise<void>;
    /** Snapshots written by finished passes. */
    done: number;
    passes: number;
    cpu0: NodeJS.CpuUsage;
    t0: number;
    timed: TimedStore;
  }
  let ingest: IngestState | undefined;
  const written = (s: IngestState) => s.done + (s.svc?.metrics.stats.records ?? 0);

  async function ingestLoop(state: IngestState, groupBase: string): Promise<void> {
    // One pass reads the whole topic under a new group; passes repeat until stopped, so the consumer
    // never runs dry while autocannon measures.
    while (!state.stopping) {
      const group = `${groupBase}-${state.passes}`;
      const cfg = { ...ingestConfig, consumer: { ...ingestConfig.consumer, group } };
      const svc = await startConsumers({
        config: cfg,
        store: state.timed.store,
        kafka,
        log: silentLogger,
        only: 'metrics',
      });
      state.svc = svc;
      while (!state.stopping && svc.metrics.stats.records < expected) await sleep(20);
      await svc.stop();
      state.svc = undefined;
      state.done += svc.metrics.stats.records;
      state.passes++;
    }
  }

  let lastMark = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage() };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  // Garbage-collection pauses hold the event loop too: their durations since the last mark (ms).
  let gcPauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push(e.duration);
  }).observe({ entryTypes: ['gc'] });
  await serveCommands({
    floor: async (args) => {
      const { endpoint, seconds, connections } = args as { endpoint: Endpoint; seconds: number; connections: number };
      return timedLoop((i) => query(endpoint, i), { concurrency: connections, seconds });
    },
    'floor-plain': async (args) => {
      const { endpoint, seconds, connections } = args as { endpoint: Endpoint; seconds: number; connections: number };
      return timedLoop((i) => plainFloorQuery(store, endpoint, windowOf(i)), { concurrency: connections, seconds });
    },
    // Where one trend request's time goes, part by part, one call at a time (no queueing): chDB's
    // cost per query, the plain floor, our trend SQL, and the whole request in process (Hono routing,
    // validation, JSON, ETag; no socket). CPU per call counts every thread of the process.
    anatomy: async (args) => {
      const { seconds } = args as { seconds: number };
      const catalog = new EventCatalog({ store });
      const iso = (ms: number) => new Date(ms).toISOString();
      const inProcess = (endpoint: Endpoint) => async (i: number) => {
        const { event, zone } = pick(i, shape);
        const q = new URLSearchParams({ zone, granularity: 'hourly', from: iso(shape.from), to: iso(shape.to) });
        const res = await app.request(`/v1/events/${encodeURIComponent(event)}/${endpoint}?${q}`);
        if (res.status !== 200) throw new Error(`${endpoint}: HTTP ${res.status}`);
        return res.text();
      };
      const steps: Record<string, (i: number) => Promise<unknown>> = {
        'SELECT 1 (chDB per-query cost)': () => store.query('SELECT 1 AS one'),
        'catalog.get (event + last scrape)': (i) => catalog.get(pick(i, shape).event),
        zoneExists: (i) => zoneExists(store, pick(i, shape).event, pick(i, shape).zone),
      };
      for (const e of ENDPOINTS) {
        steps[`${e}: plain floor`] = (i) => plainFloorQuery(store, e, windowOf(i));
        steps[`${e}: trend SQL`] = (i) => query(e, i);
        steps[`${e}: whole request in process`] = inProcess(e);
      }
      const out: Record<string, { p50: number; p99: number; perSecond: number; cpuMsPerCall: number }> = {};
      for (const [name, fn] of Object.entries(steps)) {
        const cpu0 = process.cpuUsage();
        const r = await timedLoop(fn, { concurrency: 1, seconds });
        out[name] = {
          p50: r.latency.p50,
          p99: r.latency.p99,
          perSecond: r.perSecond,
          cpuMsPerCall: r.requests ? round((cpuSeconds(cpu0) * 1000) / r.requests) : NaN,
        };
      }
      return out;
    },
    // Marks the start of a measured run; the answer covers the time since the previous mark: how busy
    // this process's event loop was (0–1) and the CPU seconds of all its threads (chDB's included).
    mark: async () => {
      const elu = performance.eventLoopUtilization(lastMark.elu);
      const cpu = cpuSeconds(lastMark.cpu);
      lastMark = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage() };
      const delay = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
      loopDelay.reset();
      const gc = gcPauses;
      gcPauses = [];
      return {
        eventLoopUtilization: round(elu.utilization),
        cpuSeconds: round(cpu),
        loopDelayP99Ms: round(delay.p99),
        loopDelayMaxMs: round(delay.max),
        gcMs: round(gc.reduce((a, b) => a + b, 0)),
        gcMaxMs: round(Math.max(0, ...gc)),
      };
    },
    'rss-reset': async () => resetPeakRss(),
    'rss-peak': async () => peakRssMiB(),
    'ingest-start': async (args) => {
      const { group } = args as { group: string };
      const state: IngestState = {
        stopping: false,
        loop: Promise.resolve(),
        done: 0,
        passes: 0,
        cpu0: process.cpuUsage(),
        t0: performance.now(),
        timed: timedStore(store),
      };
      ingest = state;
      state.loop = ingestLoop(state, group);
      // Wait for the first range to land: from here on the consumer ingests at full speed.
      const deadline = Date.now() + 60_000;
      while (written(state) === 0) {
        if (Date.now() > deadline) throw new Error('the consumer wrote nothing within 60 s');
        await sleep(20);
      }
      return { firstRangeAfterSeconds: round((performance.now() - state.t0) / 1000) };
    },
    'ingest-stop': async () => {
      const state = ingest;
      if (!state) throw new Error('not ingesting');
      const snapshots = written(state);
      const seconds = (performance.now() - state.t0) / 1000;
      const cpu = cpuSeconds(state.cpu0);
      state.stopping = true;
      await state.loop;
      ingest = undefined;
      note('api', 'consumers stopped');
      return {
        snapshots,
        listings: snapshots * listingsPer,
        seconds: round(seconds),
        passes: state.passes,
        listingsPerSecond: Math.round((snapshots * listingsPer) / seconds),
        processCpuSeconds: round(cpu),
        // The consumer's own ClickHouse calls meanwhile (per kind, with the slowest single call).
        consumerStore: state.timed.summary(),
      };
    },
  });
  note('api', 'closing the server');
  await server.close();
  await quiesce(store);
  note('api', 'closing the store');
  await store.close();
  note('api', 'closed');
  return { ok: true };
});
