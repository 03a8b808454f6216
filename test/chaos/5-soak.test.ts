// Scenario 5, soak: the scraper (scheduler + worker, in this process, against the simulated
// marketplace) runs a job every second over 20 events — 20 snapshots/s, 1,500 times the default
// load of 4 events every 300 s (twice the default is the floor) — for 10 minutes (short
// profile: 60 s), while a consumer process (metrics and ops consumers, own ClickHouse) keeps up.
// RSS of both processes is sampled every second: memory stays bounded (mean of the last window
// < mean of the first window × 1.5 + 50 MB), consumer lag stays bounded and returns to zero once
// the scraper stops, and the tables hold every snapshot of the topic exactly once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEventView } from '../../lib/catalog/catalog.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { consumerLag, createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot, ScrapeJob } from '../../lib/model.ts';
import { Alerter } from '../../producers/alerts.ts';
import { Scheduler } from '../../producers/scheduler.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { ScrapeWorker } from '../../producers/worker.ts';
import { buildSources } from '../../bin/sources.ts';
import { ConsumerChild, childEnv, killAllChildren, sleep } from './support/children.ts';
import { profile } from './support/profile.ts';
import { Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv, until, type ScenarioEnv } from './support/scenario.ts';
import { readTopic } from './support/streams.ts';
import { expectTablesMatch, expectedFrom, figures } from './support/verify.ts';

const P = profile.soak;
const DEFAULT_LOAD_PER_S = 4 / 300;
const rec = new Scenario('soak', 5, `Soak (${P.durationMs / 60_000} min of sustained ingest)`, 'snapshots');
let sim: SimulatedMarketplace;
let env: ScenarioEnv;
let kafka: Kafka;
let scheduler: Scheduler;
let worker: ScrapeWorker;
let child: ConsumerChild;
const producers: AvroProducer[] = [];
const sampler = new RssSampler(1_000);

async function producer(): Promise<AvroProducer> {
  const p = new AvroProducer(kafka, env.config, [
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
  sim = await startSimulatedMarketplace({ port: 0, seed: 9, events: P.events });
  env = scenarioEnv('soak', {
    TWS_SOURCE: 'simulated',
    TWS_SOURCE_BASE_URL: sim.url,
    TWS_RATE_LIMIT_PER_MINUTE: '100000',
    TWS_SCRAPE_CONCURRENCY: '8',
    TWS_SCRAPE_INTERVAL_SECONDS: String(P.intervalSeconds),
  });
  kafka = createKafka(env.config.kafka, silentLogger);
  await ensureTopics(kafka, env.config.kafka);
  child = new ConsumerChild(childEnv({ ...env.vars, TWS_CHAOS_ONLY: 'all' }));
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
    config: env.config,
    producer: await producer(),
    sources: await buildSources(env.config),
    log: silentLogger,
  });
  await worker.start();
  scheduler = new Scheduler({
    kafka,
    config: env.config,
    producer: await producer(),
    catalog: { activeEvents: async () => events },
    alerter: new Alerter(silentLogger),
    log: silentLogger,
  });
  await scheduler.start();
  await worker.joined;
  await child.waitFor('the group join', (s) => s.joins > 0, 90_000);
}, 180_000);

afterAll(async () => {
  sampler.stop();
  await scheduler?.stop();
  await worker?.stop();
  for (const p of producers) await p.stop();
  killAllChildren();
  await sim?.close();
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

describe('soak', () => {
  it(`keeps memory bounded and lag near zero over ${P.durationMs / 1000} s at ${P.events} snapshots/s`, async () => {
    const topics = producers[0]!.topics;
    const group = env.config.consumer.group;
    const lagOf = () => consumerLag(kafka, group, [topics.snapshots]);
    sampler
      .watch('consumer', () => child.pid)
      .watch('scraper', () => process.pid)
      .start();
    const lags: Array<[number, number]> = [];
    const lagFailures: string[] = [];
    const t0 = Date.now();
    const lagTimer = setInterval(() => {
      lagOf().then(
        (lag) => lags.push([Date.now() - t0, lag]),
        (err: unknown) => lagFailures.push(String((err as Error)?.message ?? err)),
      );
    }, 5_000);
    scheduler.loop();
    await sleep(P.durationMs); // pacing: the length of the soak, not a wait for work
    const ingestEnd = Date.now();
    await scheduler.stop();
    await worker.stop(); // finishes the requests in hand
    const stoppedAt = Date.now();
    clearInterval(lagTimer);
    const jobs = scheduler.jobs.slice();
    // Drain: the consumers catch up with everything the scraper published.
    const drainedAt = await until(
      'lag to return to zero',
      async () => ((await lagOf()) === 0 ? Date.now() : undefined),
      180_000,
      500,
    );
    const opsLag = await consumerLag(kafka, `${group}-ops`, [topics.scrapeJobs, topics.scrapeLogs]);
    sampler.stop();

    const onTopic = await readTopic<ListingSnapshot>(kafka, topics.snapshots, producers[0]!.codec);
    const snapshots = onTopic.map((r) => r.value!).filter(Boolean);
    const jobRecords = (await readTopic<ScrapeJob>(kafka, topics.scrapeJobs, producers[0]!.codec)).map((r) => r.value!);
    const jobIds = new Set(jobRecords.map((j) => j.job_id));
    const dump = await child.dump();
    const [stored] = await child.query<{ n: number; done: number }>(
      "SELECT count() AS n, countIf(status != 'running') AS done FROM scrape_jobs FINAL",
    );
    const exp = expectedFrom(snapshots);
    const f = figures(dump, exp);

    // Memory: the first and the last window of the run (a minute each in the full profile), on the
    // sampler's clock: it counts from the sampler's creation (module load), not from t0.
    const span = Math.min(60_000, P.durationMs / 4);
    const runMs = ingestEnd - t0;
    const runStart = t0 - sampler.t0;
    const memory = (name: string) => {
      const first = sampler.mean(name, runStart, runStart + span);
      const last = sampler.mean(name, runStart + runMs - span, runStart + runMs);
      const n = sampler.samples.get(name)?.length ?? 0;
      if (first === null || last === null)
        throw new Error(`${name}: no RSS sample in the ${first === null ? 'first' : 'last'} window (${n} samples)`);
      return {
        firstMb: Math.round(first),
        lastMb: Math.round(last),
        limitMb: Math.round(first * 1.5 + 50),
        peakMb: sampler.peak(name),
      };
    };
    const consumerMem = memory('consumer');
    const scraperMem = memory('scraper');
    const rate = exp.ids.size / ((stoppedAt - t0) / 1000);
    rec.set({
      ...f,
      recoveryMs: drainedAt - stoppedAt,
      recoveryWhat: 'scraper stopped → consumer lag back to 0 (drain time)',
      peakRssMb: consumerMem.peakMb,
      rssWhat: `consumer process (scraper process peak ${scraperMem.peakMb} MB)`,
    });
    rec.detail('durationMs', runMs);
    rec.detail('snapshotsPerSecond', Math.round(rate * 10) / 10);
    rec.detail('timesDefaultLoad', Math.round(rate / DEFAULT_LOAD_PER_S));
    rec.detail('listings', exp.listings);
    rec.detail('jobs', {
      run: jobIds.size,
      inTable: stored?.n,
      failed: jobs.filter((j) => j.status !== 'success').length,
    });
    rec.detail('memory', { consumer: consumerMem, scraper: scraperMem, windowMs: span });
    rec.detail('lag', {
      max: Math.max(0, ...lags.map(([, l]) => l)),
      samples: lags,
      failedPolls: lagFailures.length,
      opsAfterDrain: opsLag,
    });
    rec.detail('rssSeries', {
      consumer: thin(sampler.samples.get('consumer') ?? []),
      scraper: thin(sampler.samples.get('scraper') ?? []),
    });
    await child.stop();

    // At least half the planned 20/s (the floor is twice the default: 0.027/s).
    expect(rate, 'snapshots per second').toBeGreaterThan(P.events / P.intervalSeconds / 2);
    expect(consumerMem.lastMb, 'consumer RSS, last window vs first').toBeLessThan(consumerMem.limitMb);
    expect(scraperMem.lastMb, 'scraper RSS, last window vs first').toBeLessThan(scraperMem.limitMb);
    // Lag never ran away during the run: at most ~30 s of ingest behind. That needs lag readings: a
    // poll every 5 s, and at least half of them answered (a failed poll is no reading of zero).
    const polls = lags.length + lagFailures.length;
    expect(polls, 'lag polls made during the run').toBeGreaterThanOrEqual(Math.floor(runMs / 5_000) - 1);
    expect(
      lags.length,
      `lag polls answered, of ${polls} (failures: ${[...new Set(lagFailures)].slice(0, 3).join(' | ')})`,
    ).toBeGreaterThanOrEqual(Math.ceil(polls / 2));
    expect(Math.max(0, ...lags.map(([, l]) => l)), 'max consumer lag during the run').toBeLessThan(P.events * 30);
    // Drain time, a service-level bound: once the scraper stops, the consumers catch up within 60 s,
    // twice the 30 s of ingest the lag bound lets them be behind.
    expect(drainedAt - stoppedAt, 'drain time in ms, scraper stopped to lag 0').toBeLessThan(60_000);
    expect(opsLag).toBe(0);
    expect(Number(stored?.n)).toBe(jobIds.size);
    expect(Number(stored?.done)).toBe(jobIds.size);
    expectTablesMatch(dump, exp);
  });
});

/** One sample every 10 s, for the record. */
function thin(samples: Array<{ t: number; mb: number }>): Array<[number, number]> {
  return samples.filter((_, i) => i % 10 === 0).map((s) => [Math.round(s.t / 1000), Math.round(s.mb)]);
}
