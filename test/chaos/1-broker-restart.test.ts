// Scenario 1, broker restart: a PRIVATE Kafka broker (own ports and data directory, started with
// the project's stack script; the shared broker of the other suites is never touched) is stopped
// in the middle of a stream and started again ~5 s later. The producer (lib/kafka/avro-producer.ts)
// and the consumer (a child process running consumers/service.ts) reconnect on their own; every
// snapshot ends up in the tables exactly once and the rollups equal the recomputation.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stackDown, stackEndpoints, stackUp } from '../../deploy/stack/stack.mjs';
import { loadConfig, type Config } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { ConsumerChild, childEnv, killAllChildren, sleep } from './support/children.ts';
import { profile } from './support/profile.ts';
import { Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv, until } from './support/scenario.ts';
import { committedTotal, endOffsetsTotal, producePaced, recentStream } from './support/streams.ts';
import { expectTablesMatch, expectedFrom, figures } from './support/verify.ts';

const P = profile.brokerRestart;
const rec = new Scenario(
  'broker-restart',
  1,
  'Broker restart (private Kafka stopped and started mid-stream)',
  'snapshots',
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const stackDir = mkdtempSync(join(tmpdir(), 'tws-chaos-broker-'));
/** The private broker's settings; the registry stays the shared one (its port is already served, so stackUp uses it). */
let stackEnv: NodeJS.ProcessEnv;
let env: ReturnType<typeof scenarioEnv>;
let config: Config;
let kafka: Kafka;
let producer: AvroProducer;
const sampler = new RssSampler();
const stackLog: string[] = [];
const log = (line: string) => {
  stackLog.push(`${new Date().toISOString()} ${line}`);
  process.stderr.write(`[private-stack] ${line}\n`);
};

beforeAll(async () => {
  const shared = new URL(stackEndpoints().registryUrl);
  stackEnv = {
    ...process.env,
    TWS_KAFKA_PORT: String(await freePort()),
    TWS_KAFKA_CONTROLLER_PORT: String(await freePort()),
    TWS_REGISTRY_PORT: shared.port,
    TWS_STACK_DIR: stackDir,
    TWS_KAFKA_HEAP: '384m',
  };
  await stackUp({ env: stackEnv, log });
  env = scenarioEnv('broker', {
    KAFKA_BROKERS: stackEndpoints(stackEnv).brokers,
    TWS_BATCH_MAX_SNAPSHOTS: '10',
    TWS_CONSUMER_SESSION_TIMEOUT_MS: '10000',
  });
  config = loadConfig(env.vars);
  kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
  producer = new AvroProducer(kafka, config, ['snapshots']);
  await producer.start();
}, 240_000);

afterAll(async () => {
  sampler.stop();
  killAllChildren();
  await producer?.stop();
  // Only the private broker, found by its own state directory; never the shared stack.
  if (stackEnv) await stackDown({ env: stackEnv, only: ['kafka'], log });
  rmSync(stackDir, { recursive: true, force: true });
  rec.save();
}, 120_000);

beforeEach((ctx) => rec.track(ctx));

describe('broker restart', () => {
  it('loses and duplicates nothing when Kafka stops and restarts in the middle of a stream', async () => {
    const topic = producer.topics.snapshots;
    const group = config.consumer.group;
    const child = new ConsumerChild(childEnv(env.vars));
    sampler.watch('consumer', () => child.pid).start();
    await child.waitFor('the group join', (s) => s.joins > 0, 90_000);

    const stream = recentStream({ events: 6, hours: 48, scrapesPerHour: 12, seed: 17 });
    const errors: string[] = [];
    const run = producePaced(producer, stream, {
      perSecond: P.perSecond,
      batch: 5,
      onError: (err) => errors.push(String((err as Error).message).slice(0, 200)),
    });
    const outages: Array<{
      downMs: number;
      stopMs: number;
      startMs: number;
      producerStallMs: number;
      producerResumeMs: number;
      recoveryMs: number;
    }> = [];
    for (const downMs of P.downMs) {
      await sleep(P.beforeMs); // pacing: production runs this long before the broker stops
      const stopAt = Date.now();
      await stackDown({ env: stackEnv, only: ['kafka'], log });
      const stoppedAt = Date.now();
      await sleep(downMs); // pacing: how long the broker stays down
      const startAt = Date.now();
      await stackUp({ env: stackEnv, log });
      const upAt = Date.now();
      // End to end: the first batch the producer gets acknowledged after the restart, in ClickHouse.
      const [firstAckAt, ackedThrough] = await until(
        'the producer to publish again',
        () => run.ackTimes.find(([t]) => t >= upAt),
        180_000,
        100,
      );
      const firstAfter = run.acked
        .slice(0, ackedThrough)
        .slice(-5)
        .map((s) => s.snapshot_id);
      const resumedAt = await until(
        'the consumer to write the first records produced after the restart',
        async () => {
          const [row] = await child.query<{ n: number }>(
            'SELECT count() AS n FROM snapshots WHERE snapshot_id IN {ids:Array(String)}',
            { ids: firstAfter },
          );
          return Number(row?.n) >= firstAfter.length ? Date.now() : undefined;
        },
        180_000,
        100,
      );
      const before = run.ackTimes.filter(([t]) => t < stoppedAt).at(-1)?.[0] ?? stopAt;
      outages.push({
        downMs: startAt - stoppedAt,
        stopMs: stoppedAt - stopAt,
        startMs: upAt - startAt,
        producerStallMs: firstAckAt - before,
        producerResumeMs: firstAckAt - upAt,
        recoveryMs: resumedAt - upAt,
      });
    }
    await sleep(P.afterMs); // pacing: production goes on this long after the last restart
    run.stop();
    await run.done;

    const exp = expectedFrom(run.acked);
    const end = await endOffsetsTotal(kafka, topic);
    await until(
      'the consumer to catch up',
      async () => ((await committedTotal(kafka, group, topic)) >= end ? true : undefined),
      180_000,
      250,
    );
    const dump = await child.dump();
    const f = figures(dump, exp);
    rec.set({
      ...f,
      recoveryMs: Math.max(...outages.map((o) => o.recoveryMs)),
      recoveryWhat: 'broker healthy again → the first snapshot produced after the restart is in ClickHouse',
      peakRssMb: sampler.peak('consumer'),
      rssWhat: 'consumer process',
    });
    rec.detail('outages', outages);
    rec.detail('failedSends', run.failedSends);
    rec.detail('sendErrors', [...new Set(errors)].slice(0, 5));
    rec.detail('topicRecords', end);
    rec.detail('consumerJoins', child.status!.joins);
    rec.detail('consumerRetries', child.status!.retries);
    rec.detail('duplicateSnapshotsDropped', child.status!.duplicates);
    await child.stop();

    // The producer was held up for each whole outage (kafkajs retries a send while the broker is
    // away; a send that runs out of retries fails and is sent again) and published again after it.
    for (const o of outages) expect(o.producerStallMs).toBeGreaterThanOrEqual(o.downMs);
    expect(outages).toHaveLength(P.downMs.length);
    expectTablesMatch(dump, exp);
  });
});
