// Scenario 4, source outage: the scheduler (looping every 2 s) and a scraper worker run in this
// process against the simulated marketplace while the marketplace goes down (server closed), turns
// slow (answers after 4 × the request timeout), and returns garbage (malformed JSON), each for a
// while (full profile: 60 s each; short: 12 s), then returns garbage for half of the events. Jobs in
// an outage end failed (partial in the last one) and raise alerts; nothing is restarted but the
// marketplace itself, and a later job succeeds each time. Every scrape request gets one outcome and
// every successful one exactly one snapshot on the topic.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEventView } from '../../lib/catalog/catalog.ts';
import type { Config } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot, ScrapeJob, ScrapeLog, ScrapeOutcome, ScrapeRequest } from '../../lib/model.ts';
import { Alerter } from '../../producers/alerts.ts';
import { Scheduler } from '../../producers/scheduler.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { ScrapeWorker } from '../../producers/worker.ts';
import { buildSources } from '../../bin/sources.ts';
import { sleep } from './support/children.ts';
import { profile } from './support/profile.ts';
import { Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv, until } from './support/scenario.ts';
import { readTopic } from './support/streams.ts';

const P = profile.sourceOutage;
const TIMEOUT_MS = 500;
const rec = new Scenario('source-outage', 4, 'Source outage (marketplace down, slow, garbage)', 'scrape requests');
const SEED = 5;
const EVENTS = 4;
let sim: SimulatedMarketplace;
let simPort: number;
let config: Config;
let kafka: Kafka;
let scheduler: Scheduler;
let worker: ScrapeWorker;
const alerter = new Alerter(silentLogger);
const producers: AvroProducer[] = [];
const sampler = new RssSampler();

async function producer(): Promise<AvroProducer> {
  const p = new AvroProducer(kafka, config, [
    'snapshots',
    'scrapeOutcomes',
    'scrapeLogs',
    'scrapeRequests',
    'scrapeJobs',
    'deadLetter',
  ]);
  await p.start();
  producers.push(p);
  return p;
}

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: SEED, events: EVENTS });
  simPort = sim.port;
  config = scenarioEnv('source', {
    TWS_SOURCE: 'simulated',
    TWS_SOURCE_BASE_URL: sim.url,
    TWS_RATE_LIMIT_PER_MINUTE: '100000',
    TWS_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    TWS_SCRAPE_INTERVAL_SECONDS: '2',
    TWS_ALERT_ERRORS_PER_HOUR: '5',
  }).config;
  kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka);
  const now = Date.now();
  const events: CatalogEventView[] = sim.productions().map((p, i) => ({
    event_id: `sim-${p.productionId}`,
    source: 'simulated',
    source_event_id: p.productionId,
    name: p.name,
    venue: p.venue,
    timezone: p.timezone,
    starts_at: p.startsAt,
    capacity: p.capacity,
    active: true,
    created_at: now,
    updated_at: now,
    version: i + 1,
    last_scraped_at: null,
  }));
  worker = new ScrapeWorker({
    kafka,
    config,
    producer: await producer(),
    sources: await buildSources(config),
    log: silentLogger,
  });
  await worker.start();
  await worker.joined;
  scheduler = new Scheduler({
    kafka,
    config,
    producer: await producer(),
    catalog: { activeEvents: async () => events },
    alerter,
    log: silentLogger,
    jobDeadlineMs: 15_000,
  });
  await scheduler.start();
  sampler.watch('process', () => process.pid).start();
}, 120_000);

afterAll(async () => {
  sampler.stop();
  await scheduler?.stop();
  await worker?.stop();
  for (const p of producers) await p.stop();
  await sim?.close();
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

interface Phase {
  name: string;
  start: number;
  end: number;
  expect: ScrapeJob['status'];
  recoveredAt?: number;
}

describe('source outage', () => {
  it('ends jobs failed or partial with alerts during each outage, and recovers alone after it', async () => {
    const jobs = new Map<string, ScrapeJob>();
    const collect = () => {
      for (const j of scheduler.jobs) jobs.set(j.job_id, j);
    };
    const collector = setInterval(collect, 200);
    const succeededAfter = (t: number) =>
      until(
        `a successful job after ${new Date(t).toISOString()}`,
        () => {
          collect();
          return [...jobs.values()].find((j) => j.status === 'success' && j.finished_at! > t)?.finished_at ?? undefined;
        },
        90_000,
        100,
      );
    scheduler.loop();
    await succeededAfter(0);
    const half = sim
      .productions()
      .slice(0, EVENTS / 2)
      .map((p) => p.productionId);
    const phases: Phase[] = [];
    const outage = async (
      name: string,
      expectStatus: ScrapeJob['status'],
      begin: () => Promise<void>,
      end: () => Promise<void>,
    ) => {
      const phase: Phase = { name, start: Date.now(), end: 0, expect: expectStatus };
      await begin();
      phase.start = Date.now();
      await sleep(P.phaseMs); // pacing: how long the outage lasts, not a wait for work
      await end();
      phase.end = Date.now();
      phase.recoveredAt = await succeededAfter(phase.end);
      phases.push(phase);
    };
    await outage(
      'down (server closed)',
      'failed',
      () => sim.close(),
      async () => {
        sim = await startSimulatedMarketplace({ port: simPort, seed: SEED, events: EVENTS });
      },
    );
    await outage(
      `slow (answers after ${4 * TIMEOUT_MS} ms, timeout ${TIMEOUT_MS} ms)`,
      'failed',
      async () => sim.setFaults([{ kind: 'slow', delayMs: 4 * TIMEOUT_MS }]),
      async () => sim.clearFaults(),
    );
    await outage(
      'garbage (malformed JSON)',
      'failed',
      async () => sim.setFaults([{ kind: 'malformed' }]),
      async () => sim.clearFaults(),
    );
    await outage(
      'garbage for half of the events',
      'partial',
      async () => sim.setFaults([{ kind: 'malformed', productionIds: half }]),
      async () => sim.clearFaults(),
    );
    await scheduler.stop();
    clearInterval(collector);
    collect();

    // What went through Kafka: requests, outcomes, logs and snapshots, read back in full.
    const topics = producers[0]!.topics;
    const codec = producers[0]!.codec;
    const pair = (x: { job_id: string; event_id: string }) => `${x.job_id}|${x.event_id}`;
    // The worker answers the requests in hand after the scheduler stops: read the requests and the
    // outcomes until every request has its outcome. That is the "nothing lost" check: past the
    // deadline it fails, naming how many requests were still without one.
    const { requests, outcomes } = await until(
      'an outcome on the topic for every scrape request',
      async () => {
        const requests = (await readTopic<ScrapeRequest>(kafka, topics.scrapeRequests, codec)).map((r) => r.value!);
        const outcomes = (await readTopic<ScrapeOutcome>(kafka, topics.scrapeOutcomes, codec)).map((r) => r.value!);
        const answered = new Set(outcomes.map(pair));
        const lost = requests.filter((r) => !answered.has(pair(r))).length;
        if (lost > 0) throw new Error(`${lost} of ${requests.length} requests without an outcome`);
        return { requests, outcomes };
      },
      60_000,
      500,
    );
    const logs = (await readTopic<ScrapeLog>(kafka, topics.scrapeLogs, codec)).map((r) => r.value!);
    const snapshots = (await readTopic<ListingSnapshot>(kafka, topics.snapshots, codec)).map((r) => r.value!);
    const requested = new Set(requests.map(pair));
    const answered = new Map<string, number>();
    for (const o of outcomes) answered.set(pair(o), (answered.get(pair(o)) ?? 0) + 1);
    const lost = [...requested].filter((k) => !answered.has(k)).length;
    const duplicated = [...answered.values()].reduce((n, c) => n + c - 1, 0);
    const snapshotCount = new Map<string, number>();
    for (const s of snapshots) snapshotCount.set(s.snapshot_id, (snapshotCount.get(s.snapshot_id) ?? 0) + 1);
    const okOutcomes = outcomes.filter((o) => o.status === 'ok');

    const inPhase = (p: Phase) =>
      [...jobs.values()].filter((j) => j.started_at >= p.start + 200 && (j.finished_at ?? Infinity) <= p.end);
    const summary = phases.map((p) => ({
      phase: p.name,
      durationMs: p.end - p.start,
      jobs: inPhase(p).map((j) => j.status),
      recoveryMs: p.recoveredAt! - p.end,
    }));
    rec.set({
      recordsIn: requested.size,
      recordsOut: answered.size,
      lost,
      duplicated,
      recoveryMs: Math.max(...summary.map((s) => s.recoveryMs)),
      recoveryWhat: 'end of an outage → a job succeeds again, with nothing restarted (max over the 4 outages)',
      peakRssMb: sampler.peak(),
      rssWhat: 'test process (scheduler, worker, marketplace)',
    });
    rec.detail('phases', summary);
    rec.detail('jobs', [...jobs.values()].length);
    rec.detail('jobStatuses', countBy([...jobs.values()].map((j) => j.status)));
    rec.detail('alerts', countBy(alerter.sent.map((a) => a.severity)));
    rec.detail('scrapeLogKinds', countBy(logs.map((l) => l.kind)));
    rec.detail('snapshots', { okOutcomes: okOutcomes.length, onTopic: snapshotCount.size });

    for (const s of summary) {
      expect(s.jobs.length, `${s.phase}: jobs inside the outage`).toBeGreaterThan(0);
      expect(new Set(s.jobs), s.phase).toEqual(new Set([phases.find((p) => p.name === s.phase)!.expect]));
    }
    expect(requested.size, 'scrape requests on the topic').toBeGreaterThan(0);
    expect(duplicated, 'requests with two outcomes').toBe(0);
    // Every successful scrape published its snapshot exactly once, and nothing else was published.
    for (const o of okOutcomes) expect(snapshotCount.get(o.snapshot_id!), o.snapshot_id!).toBe(1);
    expect(snapshotCount.size).toBe(okOutcomes.length);
    // Alerts: every failed job raised a CRITICAL one, and the error rate a HIGH one.
    const failedJobs = [...jobs.values()].filter((j) => j.status === 'failed');
    const critical = alerter.sent.filter((a) => a.severity === 'CRITICAL').map((a) => a.message);
    for (const j of failedJobs) expect(critical).toContain(`scrape job ${j.job_id} failed`);
    expect(alerter.sent.filter((a) => a.severity === 'HIGH').length).toBeGreaterThan(0);
    // The error kinds of the scrape logs name each outage.
    expect(new Set(logs.map((l) => l.kind))).toEqual(new Set(['network', 'timeout', 'parse']));
  });
});

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
