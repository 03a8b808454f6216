// `tws up` (what `npm start` runs): the whole pipeline on the embedded defaults, in one process:
// the local Kafka + registry, embedded ClickHouse, the simulated marketplace with sample events on
// both of its APIs (two marketplaces: simulated and simulated-gametime), the scheduler and a scraper
// worker, the consumers, and the API with its dashboard.
// Ctrl-C stops everything, the stack included when this run started it. Data stays in .tws/.
import { stackDown, stackStatus, stackUp } from '../../deploy/stack/stack.mjs';
import type { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { ingestLanesBesideApi, type Config } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Logger } from '../../lib/logger.ts';
import { eventSources } from '../../lib/sources/event-sources.ts';
import { backfillFromSimulation, SIMULATED_SOURCES } from '../../producers/backfill.ts';
import { createMarket } from '../../producers/sources/simulated/market.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import {
  catalogWithPublisher,
  createContext,
  openStore,
  prepareTopics,
  startApiRole,
  startAlerterRole,
  startConsumerRole,
  startSchedulerRole,
  startWorkerRole,
  stopAll,
  type Handle,
  type StopReport,
} from '../roles.ts';
import { checkUpPorts, keptRunningNote, localStackPlan } from '../local-stack.ts';

export interface UpOptions {
  /** Start the local stack's services that the clients point at (config.localStack). */
  stack: boolean;
  /** What the stack script reads (TWS_KAFKA_PORT, TWS_STACK_DIR, …): the CLI's merged settings. */
  stackEnv?: NodeJS.ProcessEnv;
  backfillHours: number;
  print: (line: string) => void;
}

export interface Running {
  apiUrl: string;
  simUrl: string;
  store: Store;
  /** Set when Ctrl-C leaves part of the local stack running (this run found it running): what and how to stop it. */
  keptRunning?: string;
  stop(): Promise<StopReport>;
}

async function step<T>(print: (l: string) => void, what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  print(`… ${what}`);
  const r = await fn();
  print(`✔ ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return r;
}

export async function up(config: Config, log: Logger, opts: UpOptions): Promise<Running> {
  const { print } = opts;
  const handles: Handle[] = [];
  let startedStack: string[] = [];
  let keptRunning: string | undefined;
  const plan = localStackPlan(config);
  checkUpPorts(config, opts.stack ? plan.start : []);
  try {
    if (opts.stack) {
      for (const note of plan.notes) print(note);
      const env = opts.stackEnv ?? process.env;
      if (plan.start.length)
        startedStack = await step(print, plan.label, () =>
          stackUp({ log: (l) => print(`  ${l}`), env, only: plan.start }),
        );
      if (startedStack.length)
        handles.push({ name: 'stack', stop: () => stackDown({ log: () => {}, env, only: startedStack }) });
      const reused = plan.start.filter((s) => !startedStack.includes(s));
      if (reused.length) keptRunning = keptRunningNote(reused, await stackStatus({ env }));
    }
    // The API shares this process: one ingest lane unless TWS_INGEST_LANES says otherwise.
    const ctx = createContext(ingestLanesBesideApi(config), log);
    const store = await step(
      print,
      `ClickHouse (${config.clickhouse.mode === 'embedded' ? `embedded chDB at ${config.clickhouse.path}` : config.clickhouse.url}) + migrations`,
      () => openStore(ctx),
    );
    handles.push({ name: 'store', stop: () => store.close() });
    await step(print, 'Kafka topics', () => prepareTopics(ctx));

    const sim = await step(print, 'simulated marketplace', () =>
      startSimulatedMarketplace({ port: config.sim.port, seed: config.sim.seed, events: config.sim.events }),
    );
    handles.push({ name: 'sim', stop: () => sim.close() });

    handles.push(await step(print, 'consumers (metrics + lifecycle + ops)', () => startConsumerRole(ctx, store)));
    handles.push(await step(print, 'alerter (price alerts)', () => startAlerterRole(ctx, store)));
    const api = await step(print, 'API + dashboard', () => startApiRole(ctx, store));
    handles.push(api);

    const seeded = await step(print, 'sample events', () => seedSampleEvents(ctx, store, sim));
    if (seeded.created > 0 && opts.backfillHours > 0) {
      await step(print, `${opts.backfillHours} h of simulated history`, () =>
        backfill(ctx, seeded.events, opts.backfillHours, config),
      );
    }
    handles.push(await step(print, 'scraper worker', () => startWorkerRole(ctx, { simUrl: sim.url })));
    handles.push(
      await step(print, 'scheduler (first job now, then every ' + config.source.intervalSeconds + ' s)', () =>
        startSchedulerRole(ctx, store),
      ),
    );

    const apiUrl = `http://${config.api.host}:${api.port}`;
    return {
      apiUrl,
      simUrl: sim.url,
      store,
      ...(keptRunning && { keptRunning }),
      stop: () => stopAll(handles, log),
    };
  } catch (err) {
    await stopAll(handles, log);
    throw err;
  }
}

/**
 * Registers the simulated productions as tracked events, once (a second start reuses them). Each is
 * on both simulated marketplaces: the hermes API (`simulated`) and the Gametime API
 * (`simulated-gametime`, whose event id the simulator derives from the production), which list
 * overlapping inventory, so the dashboard compares two sources and dedupes across them.
 */
async function seedSampleEvents(
  ctx: ReturnType<typeof createContext>,
  store: Store,
  sim: Pick<SimulatedMarketplace, 'productions' | 'gametimeEventId'>,
): Promise<{ created: number; events: Awaited<ReturnType<EventCatalog['list']>> }> {
  const { catalog, producer } = await catalogWithPublisher(ctx, store);
  try {
    const existing = new Set((await catalog.list({ limit: 100_000 })).map((e) => e.source_event_id));
    let created = 0;
    for (const p of sim.productions()) {
      if (existing.has(p.productionId)) continue;
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
      created++;
    }
    return {
      created,
      events: (await catalog.list({ active: true, limit: 100_000 })).filter((e) =>
        eventSources(e).some((s) => SIMULATED_SOURCES.includes(s.source)),
      ),
    };
  } finally {
    await producer.stop();
  }
}

async function backfill(
  ctx: ReturnType<typeof createContext>,
  events: Awaited<ReturnType<EventCatalog['list']>>,
  hours: number,
  config: Config,
) {
  const producer = new AvroProducer(ctx.kafka, ctx.config, ['snapshots']);
  await producer.start();
  try {
    const market = createMarket({ seed: config.sim.seed, events: config.sim.events, now: Date.now() });
    await backfillFromSimulation({ market, events, producer, hours, seed: config.sim.seed });
  } finally {
    await producer.stop();
  }
}
