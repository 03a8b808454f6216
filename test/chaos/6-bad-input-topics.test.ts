// Scenario 6a, bad records on every consumed topic, generated with fast-check: random bytes, null
// values, truncated records, unknown schema ids, records written with another topic's schema, and
// records over the size limit (TWS_MAX_RECORD_BYTES, 64 KiB here). Each run sends a few of them
// and then one good record to the same partition; the good record must be processed (the consumer
// did not crash or stall) and every bad one must be in the dead-letter topic with its origin.
// Consumers under test: metrics (snapshots) and ops (catalog, scrape jobs, scrape logs) consumers,
// the scraper worker (scrape requests) and the scheduler (scrape outcomes), all in this process.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEventView } from '../../lib/catalog/catalog.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { rawProducer, tailRaw, type RawProducer, type RawTail } from '../../lib/kafka/raw.ts';
import { DLQ_HEADERS, type TopicKey } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import type {
  CatalogEvent,
  ListingSnapshot,
  ScrapeJob,
  ScrapeLog,
  ScrapeOutcome,
  ScrapeRequest,
} from '../../lib/model.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { Alerter } from '../../producers/alerts.ts';
import { Scheduler } from '../../producers/scheduler.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../../producers/sources/simulated/server.ts';
import { ScrapeWorker } from '../../producers/worker.ts';
import { buildSources } from '../../bin/sources.ts';
import { recentStream } from './support/streams.ts';
import { profile } from './support/profile.ts';
import { Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv, until, type ScenarioEnv } from './support/scenario.ts';

const MAX_RECORD_BYTES = 64 * 1024;
const RUNS = profile.fuzz.runsPerTopic;
const rec = new Scenario('bad-records', 6.1, 'Bad records on every consumed topic (fast-check)', 'poison records');
const sampler = new RssSampler();

let sim: SimulatedMarketplace;
let env: ScenarioEnv;
let store: Store;
let kafka: Kafka;
/** The producer of the topics under test: the base topics, or an ops lane's own (see freshOpsConsumer). */
let producer: AvroProducer;
let baseProducer: AvroProducer;
let raw: RawProducer;
let consumers: ConsumerService;
let ops: ConsumerService | undefined;
let worker: ScrapeWorker;
let scheduler: Scheduler;
const dlqReaders: RawTail[] = [];
const laneProducers: AvroProducer[] = [];
let event: CatalogEventView;
const dlq: Array<{ topic: string; partition: number; offset: number; reason: string; group: string }> = [];
const stats = { sent: 0, deadLettered: 0, missing: 0, goodProcessed: 0, byKind: {} as Record<string, number> };

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 3, events: 2 });
  env = scenarioEnv('poison', {
    TWS_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES),
    TWS_SOURCE: 'simulated',
    TWS_SOURCE_BASE_URL: sim.url,
    TWS_RATE_LIMIT_PER_MINUTE: '100000',
  });
  store = await createStore(env.config.clickhouse);
  await ensureSchema(store);
  kafka = createKafka(env.config.kafka, silentLogger);
  await ensureTopics(kafka, env.config.kafka);
  producer = new AvroProducer(kafka, env.config, [
    'snapshots',
    'catalog',
    'scrapeJobs',
    'scrapeLogs',
    'scrapeRequests',
    'scrapeOutcomes',
    'deadLetter',
  ]);
  await producer.start();
  raw = await rawProducer(kafka);
  baseProducer = producer;
  await readDeadLetters(producer.topics.deadLetter);
  consumers = await startConsumers({ config: env.config, store, kafka, log: silentLogger, only: 'metrics' });
  const p = sim.productions()[0]!;
  event = {
    event_id: `sim-${p.productionId}`,
    source: 'simulated',
    source_event_id: p.productionId,
    name: p.name,
    venue: p.venue,
    timezone: p.timezone,
    starts_at: p.startsAt,
    capacity: p.capacity,
    active: true,
    created_at: Date.now(),
    updated_at: Date.now(),
    version: 1,
    last_scraped_at: null,
  };
  worker = new ScrapeWorker({
    kafka,
    config: env.config,
    producer,
    sources: await buildSources(env.config),
    log: silentLogger,
  });
  await worker.start();
  scheduler = new Scheduler({
    kafka,
    config: env.config,
    producer,
    catalog: { activeEvents: async () => [event] },
    alerter: new Alerter(silentLogger),
    log: silentLogger,
    jobDeadlineMs: 20_000,
  });
  await scheduler.start();
  await worker.joined;
  sampler.watch('process', () => process.pid).start();
}, 180_000);

afterAll(async () => {
  sampler.stop();
  await scheduler?.stop();
  await worker?.stop();
  await consumers?.stop();
  await ops?.stop();
  for (const r of dlqReaders) await r.stop();
  for (const p of laneProducers) await p.stop();
  await raw?.close();
  await baseProducer?.stop();
  await store?.close();
  await sim?.close();
  const deadLettered = stats.deadLettered;
  rec.set({
    recordsIn: stats.sent,
    recordsOut: deadLettered,
    lost: stats.missing,
    duplicated: Math.max(0, dlq.length - deadLettered),
    recoveryMs: null,
    recoveryWhat: 'n/a (no outage): every run also checks that a good record after the bad ones is processed',
    peakRssMb: sampler.peak(),
    rssWhat: 'test process (all six consumers)',
  });
  rec.detail('goodRecordsProcessedAfterBadOnes', stats.goodProcessed);
  rec.detail('badRecordsByKind', stats.byKind);
  rec.detail('dlqRecords', dlq.length);
  rec.detail('dlqReasons', countBy(dlq.map((d) => d.reason)));
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

/** Collects the dead-letter topic's records (with their origin headers) into `dlq`. */
async function readDeadLetters(topic: string): Promise<void> {
  const reader = await tailRaw(kafka, topic, (records) => {
    for (const { headers } of records) {
      dlq.push({
        topic: headers[DLQ_HEADERS.topic] ?? '',
        partition: Number(headers[DLQ_HEADERS.partition]),
        offset: Number(headers[DLQ_HEADERS.offset]),
        reason: headers[DLQ_HEADERS.reason] ?? '',
        group: headers[DLQ_HEADERS.consumerGroup] ?? '',
      });
    }
  });
  dlqReaders.push(reader);
}

// ---- valid records of every topic, each with a fresh id

function samples(): { [K in TopicKey]?: unknown } & {
  snapshots: ListingSnapshot;
  catalog: CatalogEvent;
  scrapeJobs: ScrapeJob;
  scrapeLogs: ScrapeLog;
  scrapeRequests: ScrapeRequest;
  scrapeOutcomes: ScrapeOutcome;
} {
  const id = randomUUID();
  const now = Date.now();
  const snapshot = recentStream({ events: 1, hours: 1, scrapesPerHour: 1, seed: 5 })[0]!;
  return {
    snapshots: { ...snapshot, snapshot_id: `good-${id}` },
    catalog: {
      event_id: `chaos-${id}`,
      source: 'simulated',
      source_event_id: '1',
      name: 'Chaos Night',
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: now + 86_400_000,
      capacity: null,
      active: false,
      created_at: now,
      updated_at: now,
      version: now,
    },
    scrapeJobs: {
      job_id: `job-${id}`,
      status: 'success',
      started_at: now,
      finished_at: now,
      events_planned: 1,
      events_succeeded: 1,
      events_failed: 0,
      events_cancelled: 0,
      snapshots: 1,
      listings: 1,
      retries: 0,
      error: null,
    },
    scrapeLogs: {
      logged_at: now,
      event_id: event.event_id,
      job_id: `log-${id}`,
      level: 'ERROR',
      kind: 'http',
      message: 'HTTP 503',
      stack_trace: '',
      attempts: 1,
      http_status: 503,
    },
    scrapeRequests: {
      job_id: `req-${id}`,
      event_id: event.event_id,
      source: 'simulated',
      source_event_id: event.source_event_id,
      event_starts_at: event.starts_at,
      requested_at: now,
      deadline_at: now + 60_000,
    },
    scrapeOutcomes: {
      job_id: `out-${id}`,
      event_id: event.event_id,
      worker_id: 'w-chaos',
      status: 'ok',
      error_kind: null,
      attempts: 1,
      retries: 0,
      snapshot_id: null,
      listings: 0,
      rejected: 0,
      finished_at: now,
    },
  };
}

type Consumed = 'snapshots' | 'catalog' | 'scrapeJobs' | 'scrapeLogs' | 'scrapeRequests' | 'scrapeOutcomes';
const CONSUMED: Consumed[] = ['snapshots', 'catalog', 'scrapeJobs', 'scrapeLogs', 'scrapeRequests', 'scrapeOutcomes'];

/** A valid record of `topic` grown past the size limit through one of its string fields. */
function inflate(topic: Consumed, s: ReturnType<typeof samples>): unknown {
  const big = 'x'.repeat(MAX_RECORD_BYTES + 4096);
  switch (topic) {
    case 'snapshots':
      return { ...s.snapshots, source_event_id: big };
    case 'catalog':
      return { ...s.catalog, name: big };
    case 'scrapeJobs':
      return { ...s.scrapeJobs, error: big };
    case 'scrapeLogs':
      return { ...s.scrapeLogs, message: big };
    case 'scrapeRequests':
      return { ...s.scrapeRequests, source: big };
    case 'scrapeOutcomes':
      return { ...s.scrapeOutcomes, worker_id: big };
  }
}

type BadKind =
  | 'bytes'
  | 'null'
  | 'truncated'
  | 'unknown-schema-id'
  | 'oversized-junk'
  | 'foreign-schema'
  | 'oversized-valid'
  | 'time-out-of-range';

interface BadSpec {
  kind: BadKind;
  bytes?: Uint8Array;
  cut?: number;
  schemaId?: number;
  foreign?: Consumed;
  junk?: Uint8Array;
  /** time-out-of-range: which field of the topic's own schema gets a time no Date can hold. */
  field?: string;
}

/** Kinds every consumer must dead-letter; generated at random. */
const basicBadSpec: fc.Arbitrary<BadSpec> = fc.oneof(
  // Not the wire format (a first byte of 0 could hit a real schema id by chance).
  fc.record({
    kind: fc.constant('bytes' as const),
    bytes: fc.uint8Array({ minLength: 0, maxLength: 300 }).filter((b) => b[0] !== 0),
  }),
  fc.record({ kind: fc.constant('null' as const) }),
  fc.record({ kind: fc.constant('truncated' as const), cut: fc.integer({ min: 5, max: 10_000 }) }),
  fc.record({
    kind: fc.constant('unknown-schema-id' as const),
    schemaId: fc.integer({ min: 10_000_000, max: 2 ** 31 - 1 }),
  }),
  fc.record({ kind: fc.constant('oversized-junk' as const), junk: fc.uint8Array({ minLength: 8, maxLength: 64 }) }),
);

/** Records of the topic's own schema whose time fields no JavaScript Date can hold (beyond ±8.64e15 ms). */
const TIME_FIELDS: Partial<Record<Consumed, string[]>> = {
  snapshots: ['scraped_at'],
  catalog: ['starts_at', 'updated_at'],
  scrapeJobs: ['started_at', 'finished_at'],
  scrapeLogs: ['logged_at'],
};
const FAR = 9_000_000_000_000_000; // a valid Avro long, past the range of Date

async function encodeBad(topic: Consumed, spec: BadSpec): Promise<Buffer | null> {
  const s = samples();
  const name = producer.topics[topic];
  const valid = await producer.codec.encode(name, s[topic]);
  switch (spec.kind) {
    case 'bytes':
      return Buffer.from(spec.bytes!);
    case 'null':
      return null;
    case 'truncated':
      return valid.subarray(0, Math.max(5, Math.min(valid.length - 1, spec.cut!)));
    case 'unknown-schema-id': {
      const b = Buffer.from(valid);
      b.writeInt32BE(spec.schemaId!, 1);
      return b;
    }
    case 'foreign-schema':
      return producer.codec.encode(producer.topics[spec.foreign!], s[spec.foreign!]);
    case 'oversized-junk': {
      const junk = Buffer.alloc(MAX_RECORD_BYTES + 1024);
      for (let i = 0; i < junk.length; i++) junk[i] = spec.junk![i % spec.junk!.length]!;
      return Buffer.concat([valid.subarray(0, 5), junk]);
    }
    case 'oversized-valid':
      return producer.codec.encode(name, inflate(topic, s));
    case 'time-out-of-range':
      return producer.codec.encode(name, { ...(s[topic] as object), [spec.field!]: FAR });
  }
}

async function sendRaw(topic: Consumed, value: Buffer | null, partition: number): Promise<number> {
  const [md] = await raw.send(producer.topics[topic], [{ key: 'chaos-bad', value, partition }]);
  return Number(md!.baseOffset);
}

/** Where a topic's good record lands in ClickHouse (the consumer topics with a table), by its id. */
const STORED: Partial<Record<Consumed, { table: string; id: string }>> = {
  snapshots: { table: 'snapshots', id: 'snapshot_id' },
  catalog: { table: 'events FINAL', id: 'event_id' },
  scrapeJobs: { table: 'scrape_jobs FINAL', id: 'job_id' },
  scrapeLogs: { table: 'scraper_logs', id: 'job_id' },
};

/** Sends the good record and resolves once its consumer has processed it. */
async function goodRecord(topic: Consumed): Promise<void> {
  const s = samples();
  const name = producer.topics[topic];
  const send = async (value: unknown) => {
    await raw.send(name, [{ key: 'chaos-good', value: await producer.codec.encode(name, value), partition: 0 }]);
  };
  const count = async (sql: string, params: Record<string, unknown>) =>
    Number((await store.query<{ n: number }>(sql, params))[0]?.n ?? 0);
  const wait = (what: string, fn: () => Promise<boolean> | boolean) =>
    until(`${topic}: ${what}`, async () => (await fn()) || undefined, 5_000, 200);
  const stored = STORED[topic];
  if (stored) {
    const id = (s[topic] as unknown as Record<string, string>)[stored.id]!;
    await send(s[topic]);
    return void (await wait(
      `the good record in ${stored.table}`,
      async () =>
        (await count(`SELECT count() AS n FROM ${stored.table} WHERE ${stored.id} = {id:String}`, { id })) === 1,
    ));
  }
  switch (topic) {
    case 'scrapeRequests':
      await send(s.scrapeRequests);
      return void (await wait('the worker to handle the good request', () =>
        worker.recent.some((r) => r.job_id === s.scrapeRequests.job_id),
      ));
    case 'scrapeOutcomes': {
      // The scheduler only reads outcomes of its own job: run one, its outcome lands after the bad records.
      const job = await scheduler.runOnce();
      if (job.status !== 'success')
        throw new Error(`scrapeOutcomes: the job after the bad records ended ${job.status}`);
      return;
    }
  }
}

const EXPECTED_REASONS: Record<BadKind, string[]> = {
  bytes: ['decode'],
  null: ['decode'],
  truncated: ['decode'],
  'unknown-schema-id': ['schema'],
  'foreign-schema': ['schema', 'invalid', 'decode'],
  'oversized-junk': ['oversized', 'decode'],
  'oversized-valid': ['oversized'],
  'time-out-of-range': ['invalid'],
};

const OPS_TOPICS: Consumed[] = ['catalog', 'scrapeJobs', 'scrapeLogs'];

/**
 * A fresh ops consumer on a fresh set of topics (own prefix, own group, own dead-letter topic): a
 * record that killed the previous ops consumer is not read again, so each step is judged on its own.
 */
async function freshOpsConsumer(): Promise<void> {
  const t0 = Date.now();
  await ops?.stop(2_000);
  const lane = scenarioEnv('poison-ops', { TWS_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES) }).config;
  await ensureTopics(kafka, lane.kafka, ['catalog', 'scrapeJobs', 'scrapeLogs', 'deadLetter']);
  const p = new AvroProducer(kafka, lane, [
    'snapshots',
    'catalog',
    'scrapeJobs',
    'scrapeLogs',
    'scrapeRequests',
    'scrapeOutcomes',
    'deadLetter',
  ]);
  await p.start();
  laneProducers.push(p);
  producer = p;
  await readDeadLetters(p.topics.deadLetter);
  const fresh = await startConsumers({ config: lane, store, kafka, log: silentLogger, only: 'ops' });
  ops = fresh;
  opsAlive = true;
  await until('the fresh ops consumer to join', () => fresh.ops.joins > 0 || undefined, 60_000, 100);
  restarts.push(Date.now() - t0);
}
const restarts: number[] = [];
/** Whether the current ops consumer still processes records. */
let opsAlive = false;

type Step = { what: string; ok: boolean; ms: number; detail?: string };
const matrix: Record<string, Step[]> = {};

/** Sends the bad records, then a good one; checks the good one is processed and the bad ones dead-lettered. */
async function exercise(
  topic: Consumed,
  specs: BadSpec[],
): Promise<{ processed: boolean; missing: string[]; wrongReason: string[] }> {
  const partitions = topic === 'scrapeOutcomes' ? [0, 1, 2] : [0];
  const sent: Array<{ kind: BadKind; partition: number; offset: number; label: string }> = [];
  for (const spec of specs) {
    const value = await encodeBad(topic, spec);
    const label = spec.kind + (spec.foreign ? `(${spec.foreign})` : '') + (spec.field ? `(${spec.field})` : '');
    for (const partition of partitions)
      sent.push({ kind: spec.kind, partition, offset: await sendRaw(topic, value, partition), label });
  }
  stats.sent += sent.length;
  for (const s of sent) stats.byKind[s.kind] = (stats.byKind[s.kind] ?? 0) + 1;
  let processed = true;
  try {
    await goodRecord(topic);
    stats.goodProcessed++;
  } catch {
    processed = false;
  }
  const name = producer.topics[topic];
  const find = (s: { partition: number; offset: number }) =>
    dlq.find((d) => d.topic === name && d.partition === s.partition && d.offset === s.offset);
  await until('the dead letters', () => sent.every(find) || undefined, processed ? 3_000 : 500, 200).catch(
    () => undefined,
  );
  const missing = sent.filter((s) => !find(s));
  stats.missing += missing.length;
  stats.deadLettered += sent.length - missing.length;
  const wrongReason = sent
    .filter((s) => find(s) && !EXPECTED_REASONS[s.kind].includes(find(s)!.reason))
    .map((s) => `${s.label} → ${find(s)!.reason}`);
  return { processed, missing: [...new Set(missing.map((m) => m.label))], wrongReason };
}

describe('bad records on every consumed topic', () => {
  for (const topic of CONSUMED) {
    it(`${topic}: bad records go to the dead-letter topic, and the good record after them is processed`, async () => {
      const isOps = OPS_TOPICS.includes(topic);
      if (isOps && !opsAlive) await freshOpsConsumer();
      if (!isOps) producer = baseProducer;
      const steps: Step[] = (matrix[topic] = []);
      let alive = true;
      const step = async (what: string, specs: BadSpec[]) => {
        if (!alive && OPS_TOPICS.includes(topic)) {
          // The ops consumer died on the previous step: judge this one with a fresh one.
          await freshOpsConsumer();
          alive = true;
        }
        if (!alive) {
          steps.push({ what, ok: false, ms: 0, detail: 'not run: the consumer no longer processes records' });
          return;
        }
        const t0 = Date.now();
        const r = await exercise(topic, specs);
        alive = r.processed;
        if (isOps && !alive) opsAlive = false;
        const problems = [
          ...(r.processed ? [] : ['the good record after them was never processed (consumer crashed or stalled)']),
          ...r.missing.map((m) => `not dead-lettered: ${m}`),
          ...r.wrongReason.map((w) => `reason: ${w}`),
        ];
        steps.push({ what, ok: problems.length === 0, ms: Date.now() - t0, detail: problems.join('; ') || undefined });
        expect.soft(problems, `${topic}, ${what}`).toEqual([]);
      };
      // 1. Random runs of the kinds every consumer must handle. A failed run is recorded and judged
      // below (soft, so that steps 2 to 4 still run); so is a run that threw, whatever it threw.
      let failedRun: string | undefined;
      let passedRuns = 0;
      const t0 = Date.now();
      const thrown: unknown = await fc
        .assert(
          fc.asyncProperty(fc.array(basicBadSpec, { minLength: 1, maxLength: 4 }), async (specs) => {
            const r = await exercise(topic, specs);
            alive = r.processed;
            if (isOps && !alive) opsAlive = false;
            const problems = [
              ...(r.processed ? [] : ['good record not processed']),
              ...r.missing.map((m) => `not dead-lettered: ${m}`),
              ...r.wrongReason.map((w) => `reason: ${w}`),
            ];
            if (problems.length) failedRun = `${specs.map((x) => x.kind).join(', ')}: ${problems.join('; ')}`;
            expect(problems).toEqual([]);
            passedRuns++;
          }),
          { numRuns: RUNS, endOnFailure: true },
        )
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      if (thrown !== undefined && failedRun === undefined) {
        const cause = (thrown as { cause?: unknown }).cause ?? thrown;
        failedRun = `a run threw: ${cause instanceof Error ? cause.message : String(cause)}`;
      }
      steps.push({
        what: 'random bytes, null, truncated, unknown schema id, oversized junk (fast-check)',
        ok: !failedRun,
        ms: Date.now() - t0,
        detail: failedRun,
      });
      expect.soft(failedRun, `${topic}: random bad records`).toBeUndefined();
      // The accepted path, every run: its bad records dead-lettered and the good record after them processed.
      expect.soft(passedRuns, `${topic}: fast-check runs whose good record was processed, of ${RUNS}`).toBe(RUNS);
      // 2. A record of this topic's own schema, valid but over the size limit.
      await step('valid record over TWS_MAX_RECORD_BYTES', [{ kind: 'oversized-valid' }]);
      // 3. A record of this topic's own schema with a time no Date can hold.
      for (const field of TIME_FIELDS[topic] ?? [])
        await step(`time field ${field} out of range`, [{ kind: 'time-out-of-range', field }]);
      // 4. Records written with each other topic's registered schema.
      await step(
        'records with another topic’s schema id',
        CONSUMED.filter((t) => t !== topic).map((foreign) => ({ kind: 'foreign-schema' as const, foreign })),
      );
      rec.detail('matrix', matrix);
      rec.detail('opsConsumerStartsMs', restarts);
    });
  }
});

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
