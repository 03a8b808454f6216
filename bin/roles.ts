// The runnable roles of the pipeline, each started from a shared context and returning a handle to
// stop it. `tws up` starts them all in one process (embedded chDB allows one process per data
// directory); in server mode each subcommand runs one role, and roles scale out independently.
import { withinMs } from '../lib/abort.ts';
import { EventCatalog } from '../lib/catalog/catalog.ts';
import { applyRetention } from '../lib/clickhouse/retention.ts';
import { createStore, type Store } from '../lib/clickhouse/store.ts';
import type { Config } from '../lib/config.ts';
import { errorMessage } from '../lib/errors.ts';
import { AvroProducer } from '../lib/kafka/avro-producer.ts';
import { consumerLag, createKafka, ensureTopics, type Kafka } from '../lib/kafka/client.ts';
import { clusterProbe } from '../lib/kafka/cluster-probe.ts';
import type { Logger } from '../lib/logger.ts';
import { createApp } from '../api/app.ts';
import { mountDashboard } from '../api/dashboard/index.ts';
import { startApi } from '../api/server.ts';
import { ensureSchema } from '../consumers/schema.ts';
import { snapshotGroups, startConsumers, type ConsumerName } from '../consumers/service.ts';
import { startAlerter } from '../consumers/alerts/service.ts';
import { Alerter } from '../producers/alerts.ts';
import { Scheduler } from '../producers/scheduler.ts';
import { ScrapeWorker } from '../producers/worker.ts';
import { alertRulesWithPublisher } from './alert-rules.ts';
import { buildSources } from './sources.ts';

export interface Context {
  config: Config;
  log: Logger;
  kafka: Kafka;
}

export interface Handle {
  name: string;
  stop(): Promise<void>;
}

export function createContext(config: Config, log: Logger): Context {
  return { config, log, kafka: createKafka(config.kafka, log.child({ component: 'kafka' })) };
}

/** Opens ClickHouse and brings its schema up to date (a failed migration stops start-up). */
export async function openStore(ctx: Context): Promise<Store> {
  const store = await createStore(ctx.config.clickhouse);
  const { applied, views } = await ensureSchema(store);
  if (applied.length) ctx.log.info({ applied }, 'migrations applied');
  if (views.created.length || views.replaced.length || views.dropped.length)
    ctx.log.info(views, 'ingest views updated');
  const retention = await applyRetention(store, ctx.config.retention);
  if (retention.length) ctx.log.info({ tables: retention }, 'retention (TTL) updated from configuration');
  return store;
}

export async function prepareTopics(ctx: Context): Promise<void> {
  const created = await ensureTopics(ctx.kafka, ctx.config.kafka);
  if (created.length) ctx.log.info({ created }, 'topics created');
}

/** The catalog and its publisher; `lazy`: the publisher connects on the first write, not now. */
export async function catalogWithPublisher(
  ctx: Context,
  store: Store,
  publisher: { lazy?: boolean } = {},
): Promise<{ catalog: EventCatalog; producer: AvroProducer }> {
  const producer = new AvroProducer(ctx.kafka, ctx.config, ['catalog']);
  if (!publisher.lazy) await producer.start();
  const catalog = new EventCatalog({
    store,
    publish: (e) => producer.send('catalog', [{ key: e.event_id, value: e }]),
  });
  return { catalog, producer };
}

/**
 * Reads need only ClickHouse, so the API starts without waiting for Kafka: while Kafka is down it
 * serves reads, answers writes with 503, and GET /readyz says it is read-only.
 */
export async function startApiRole(ctx: Context, store: Store): Promise<Handle & { port: number }> {
  const { catalog, producer } = await catalogWithPublisher(ctx, store, { lazy: true });
  const topics = producer.topics;
  const kafka = clusterProbe(ctx.kafka);
  const alerts = alertRulesWithPublisher(ctx, store);
  const app = createApp({
    store,
    config: ctx.config.api,
    catalog,
    ...(alerts ? { alertRules: alerts.rules } : {}),
    logger: ctx.log.child({ component: 'api' }),
    kafkaReady: kafka.ready,
    // Both groups over the snapshot topic: the lifecycle's lag is its own (it may trail the metrics).
    consumerLag: async () =>
      Object.fromEntries(
        await Promise.all(
          snapshotGroups(ctx.config).map(async (g) => [g, await consumerLag(ctx.kafka, g, [topics.snapshots])]),
        ),
      ),
    dashboard: mountDashboard,
  });
  const server = await startApi(app, { host: ctx.config.api.host, port: ctx.config.api.port });
  return {
    name: 'api',
    port: server.port,
    async stop() {
      await server.close();
      await producer.stop();
      await alerts?.producer.stop();
      await kafka.close();
    },
  };
}

/** The alerter (docs/alerts.md): price alerts and source-down notices, delivered to webhooks. */
export async function startAlerterRole(ctx: Context, store: Store): Promise<Handle> {
  const alerter = await startAlerter({
    config: ctx.config,
    store,
    kafka: ctx.kafka,
    log: ctx.log.child({ component: 'alerter' }),
  });
  return { name: 'alerter', stop: () => alerter.stop() };
}

export async function startConsumerRole(ctx: Context, store: Store, only?: ConsumerName): Promise<Handle> {
  const svc = await startConsumers({
    config: ctx.config,
    store,
    kafka: ctx.kafka,
    log: ctx.log.child({ component: 'consumer' }),
    only,
  });
  return { name: 'consumers', stop: () => svc.stop() };
}

export async function startWorkerRole(
  ctx: Context,
  opts: { simUrl?: string } = {},
): Promise<Handle & { worker: ScrapeWorker }> {
  const producer = new AvroProducer(ctx.kafka, ctx.config, [
    'snapshots',
    'scrapeOutcomes',
    'scrapeLogs',
    'scrapeRequests',
    'deadLetter',
  ]);
  await producer.start();
  const worker = new ScrapeWorker({
    kafka: ctx.kafka,
    config: ctx.config,
    producer,
    sources: await buildSources(ctx.config, opts),
    log: ctx.log.child({ component: 'worker' }),
  });
  await worker.start();
  return {
    name: 'worker',
    worker,
    async stop() {
      await worker.stop();
      await producer.stop();
    },
  };
}

export async function startSchedulerRole(
  ctx: Context,
  store: Store,
  loop = true,
): Promise<Handle & { scheduler: Scheduler }> {
  const producer = new AvroProducer(ctx.kafka, ctx.config, [
    'scrapeJobs',
    'scrapeRequests',
    'scrapeOutcomes',
    'deadLetter',
  ]);
  await producer.start();
  const scheduler = new Scheduler({
    kafka: ctx.kafka,
    config: ctx.config,
    producer,
    catalog: new EventCatalog({ store }),
    alerter: new Alerter(ctx.log.child({ component: 'alerts' }), ctx.config.alerts.webhookUrl),
    log: ctx.log.child({ component: 'scheduler' }),
  });
  await scheduler.start();
  if (loop) scheduler.loop();
  return {
    name: 'scheduler',
    scheduler,
    async stop() {
      await scheduler.stop();
      await producer.stop();
    },
  };
}

/** How long one handle may take to stop before stopAll names it and goes on without it. */
export const STOP_BOUND_MS = 5_000;

export interface StopReport {
  /** Milliseconds each handle took (or the bound, for one that overran), in stop order. */
  took: Array<{ name: string; ms: number; overran: boolean }>;
}

/**
 * Stops handles in reverse start order. One failing stop does not keep the others running, and one
 * that hangs (a Kafka consumer leaving during a rebalance can) is named in the log and left behind
 * after `boundMs`, so that the handles after it, the local stack among them, still stop.
 */
export async function stopAll(handles: Handle[], log: Logger, boundMs = STOP_BOUND_MS): Promise<StopReport> {
  const took: StopReport['took'] = [];
  for (const h of [...handles].reverse()) {
    const t0 = Date.now();
    let overran = false;
    try {
      await withinMs(h.stop(), boundMs, () => {
        overran = true;
        log.warn(
          { role: h.name, bound_ms: boundMs },
          `stopping ${h.name} took longer than ${boundMs / 1000} s; going on`,
        );
      });
    } catch (err) {
      log.warn({ role: h.name, err: errorMessage(err) }, 'stop failed');
    }
    took.push({ name: h.name, ms: Date.now() - t0, overran });
  }
  return { took };
}
