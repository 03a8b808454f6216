// The scraper against the simulated marketplace and the real broker and registry: jobs, error
// records, alerts, scale-out across two workers, and records that decode with the registry alone.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { Config } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { Kafka } from '../../lib/kafka/client.ts';
import { describeGroupAssignment } from '../../lib/kafka/admin.ts';
import { readRaw } from '../../lib/kafka/raw.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot, ScrapeLog, ScrapeOutcome } from '../../lib/model.ts';
import { Alerter } from '../../producers/alerts.ts';
import { Scheduler } from '../../producers/scheduler.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { ScrapeWorker, scraperGroup } from '../../producers/worker.ts';
import { buildSources } from '../../bin/sources.ts';
import { testConfig } from '../helpers/env.ts';
import { setUpPipeline, waitFor } from '../support/pipeline.ts';

let sim: SimulatedMarketplace;
let config: Config;
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let catalog: EventCatalog;
const started: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 5, events: 100 });
  config = testConfig({
    TWS_SOURCE: 'simulated',
    TWS_SOURCE_BASE_URL: sim.url,
    TWS_RATE_LIMIT_PER_MINUTE: '100000',
    TWS_REQUEST_TIMEOUT_MS: '2000',
  });
  env = await setUpPipeline(config);
  catalog = new EventCatalog({ store: env.store });
  for (const p of sim.productions()) {
    await catalog.create({
      source: 'simulated',
      source_event_id: p.productionId,
      name: p.name,
      venue: p.venue,
      timezone: p.timezone,
      starts_at: p.startsAt,
      capacity: p.capacity,
    });
  }
}, 120_000);

afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => {});
  await env?.producer.stop();
  await env?.store.close();
  await sim?.close();
});

async function newProducer(): Promise<AvroProducer> {
  const p = new AvroProducer(env.kafka, config, [
    'snapshots',
    'scrapeOutcomes',
    'scrapeLogs',
    'scrapeRequests',
    'scrapeJobs',
    'deadLetter',
  ]);
  await p.start();
  started.push(p);
  return p;
}

async function newWorker(id: string): Promise<ScrapeWorker> {
  const w = new ScrapeWorker({
    kafka: env.kafka,
    config,
    producer: await newProducer(),
    sources: await buildSources(config),
    log: silentLogger,
    workerId: id,
  });
  await w.start();
  started.push(w);
  return w;
}

async function newScheduler(opts: { catalog?: Pick<EventCatalog, 'activeEvents'>; alerter?: Alerter } = {}) {
  const alerter = opts.alerter ?? new Alerter(silentLogger);
  const s = new Scheduler({
    kafka: env.kafka,
    config,
    producer: await newProducer(),
    catalog: opts.catalog ?? catalog,
    alerter,
    log: silentLogger,
    jobDeadlineMs: 60_000,
  });
  await s.start();
  started.push(s);
  return { scheduler: s, alerter };
}

/** Reads every record of a topic with a client that knows nothing but the registry's URL. */
async function readAll<T>(kafka: Kafka, topic: string, expected: number, registryUrl: string): Promise<T[]> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const records = await readRaw(kafka, topic, { until: (r) => r.length >= expected, timeoutMs: 30_000 });
  return Promise.all(records.map(async (r) => (await registry.decode(r.value!)) as T));
}

const only = (events: string[]) => ({
  activeEvents: async () => (await catalog.activeEvents()).filter((e) => events.includes(e.event_id)),
});

describe('scrape jobs', () => {
  let workers: ScrapeWorker[];

  beforeAll(async () => {
    workers = [await newWorker('w1'), await newWorker('w2')];
    await Promise.all(workers.map((w) => w.joined));
    // The second join rebalances the group: wait until it is stable with both workers owning
    // partitions of the requests topic, so that the first job is split between them.
    const group = scraperGroup(config);
    const topic = env.producer.topics.scrapeRequests;
    await waitFor(
      `group ${group} stable with 2 members, each owning partitions of ${topic}`,
      async () => {
        const { state, members } = await describeGroupAssignment(env.kafka, group);
        return (
          state === 'Stable' && members.length === 2 && members.every((m) => (m.partitions[topic] ?? []).length > 0)
        );
      },
      30_000,
    );
  }, 60_000);

  it('two scraper instances split 100 events with no duplicate and no gap', async () => {
    const { scheduler } = await newScheduler();
    const job = await scheduler.runOnce();
    expect(job).toMatchObject({
      status: 'success',
      events_planned: 100,
      events_succeeded: 100,
      events_failed: 0,
      snapshots: 100,
    });
    const forJob = (w: ScrapeWorker) => w.recent.filter((r) => r.job_id === job.job_id).map((r) => r.event_id);
    const [a, b] = workers.map(forJob);
    expect(a!.length).toBeGreaterThan(0);
    expect(b!.length).toBeGreaterThan(0);
    expect(a!.filter((id) => b!.includes(id))).toEqual([]);
    expect(new Set([...a!, ...b!]).size).toBe(100);
    expect(a!.length + b!.length).toBe(100);
  });

  it('a malformed response yields an error record, and the other events still publish', async () => {
    const events = (await catalog.activeEvents()).slice(0, 5);
    const bad = events[0]!;
    sim.setFaults([{ kind: 'malformed', productionIds: [bad.source_event_id] }]);
    const { scheduler } = await newScheduler({ catalog: only(events.map((e) => e.event_id)) });
    const job = await scheduler.runOnce();
    sim.clearFaults();
    expect(job).toMatchObject({ status: 'partial', events_planned: 5, events_succeeded: 4, events_failed: 1 });

    const topics = env.producer.topics;
    const logs = await readAll<ScrapeLog>(env.kafka, topics.scrapeLogs, 1, config.registry.url);
    expect(logs.find((l) => l.job_id === job.job_id)).toMatchObject({
      event_id: bad.event_id,
      kind: 'parse',
      level: 'ERROR',
    });
    // 100 from the first job + 4 from this one, each decodable with the registry alone.
    const snaps = await readAll<ListingSnapshot>(env.kafka, topics.snapshots, 104, config.registry.url);
    const mine = snaps.filter((s) => s.job_id === job.job_id);
    expect(mine.map((s) => s.event_id).sort()).toEqual(
      events
        .slice(1)
        .map((e) => e.event_id)
        .sort(),
    );
    expect(mine.every((s) => s.zones.length > 0 && s.scraped_at > 0)).toBe(true);
    const outcomes = await readAll<ScrapeOutcome>(env.kafka, topics.scrapeOutcomes, 105, config.registry.url);
    expect(outcomes.filter((o) => o.job_id === job.job_id && o.status === 'failed')).toHaveLength(1);
  });

  it('a critical failure marks the job failed and raises an alert', async () => {
    const broken = { activeEvents: async () => Promise.reject(new Error('catalog unavailable')) };
    const { scheduler, alerter } = await newScheduler({ catalog: broken });
    const job = await scheduler.runOnce();
    expect(job.status).toBe('failed');
    expect(job.error).toContain('catalog unavailable');
    expect(alerter.sent).toEqual([expect.objectContaining({ severity: 'CRITICAL' })]);
  });

  it('more than 10 errors in an hour raise one HIGH alert', async () => {
    const events = (await catalog.activeEvents()).slice(0, 6);
    sim.setFaults([{ kind: 'forbidden', productionIds: events.map((e) => e.source_event_id) }]);
    const { scheduler, alerter } = await newScheduler({ catalog: only(events.map((e) => e.event_id)) });
    const first = await scheduler.runOnce();
    expect(first.status).toBe('failed');
    expect(alerter.sent.filter((a) => a.severity === 'HIGH')).toHaveLength(0); // 6 errors so far
    await scheduler.runOnce();
    sim.clearFaults();
    const high = alerter.sent.filter((a) => a.severity === 'HIGH');
    expect(high).toHaveLength(1); // 12 > 10, fired once
    expect(high[0]!.details).toMatchObject({ errorCount: 11 });
  });
});

export type { Store };
