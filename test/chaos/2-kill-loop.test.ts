// Scenario 2, consumer kill loop: two metrics-consumer processes in one group share one ClickHouse
// (this process's embedded store, served to them over IPC as a server would be). While a long
// stream is produced, one of them, drawn at random, is SIGKILLed at a random point after it joined
// and restarted at once, 20 times (short profile: 6), so the group rebalances again and again.
// At the end every snapshot is in the tables exactly once and the rollups equal the recomputation.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { prng } from '../support/stream.ts';
import { ConsumerChild, childEnv, killAllChildren, sleep } from './support/children.ts';
import { profile } from './support/profile.ts';
import { Scenario } from './support/results.ts';
import { RssSampler } from './support/rss.ts';
import { scenarioEnv, until } from './support/scenario.ts';
import { committedTotal, endOffsetsTotal, producePaced, recentStream } from './support/streams.ts';
import { dumpTables, expectTablesMatch, expectedFrom, figures } from './support/verify.ts';

const P = profile.killLoop;
const rec = new Scenario('kill-loop', 2, 'Consumer kill loop (2 consumers, SIGKILL + restart)', 'snapshots');
const env = scenarioEnv('kill', {
  TWS_TOPIC_PARTITIONS: '6',
  TWS_BATCH_MAX_SNAPSHOTS: '7',
  TWS_CONSUMER_SESSION_TIMEOUT_MS: '6000',
});
// More than the kill loop needs: production stops once the kills are done.
const stream = recentStream({ events: 6, hours: Math.max(24, P.kills * 3), scrapesPerHour: 10, seed: 23 });
let store: Store;
let kafka: Kafka;
let producer: AvroProducer;
const sampler = new RssSampler();

beforeAll(async () => {
  store = await createStore(env.config.clickhouse);
  await ensureSchema(store);
  kafka = createKafka(env.config.kafka, silentLogger);
  await ensureTopics(kafka, env.config.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
  producer = new AvroProducer(kafka, env.config, ['snapshots']);
  await producer.start();
});

afterAll(async () => {
  sampler.stop();
  killAllChildren();
  await producer?.stop();
  await store?.close();
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

describe('consumer kill loop', () => {
  it(`survives ${P.kills} SIGKILLs of one of two consumers at random points with every snapshot exactly once`, async () => {
    const topic = producer.topics.snapshots;
    const group = env.config.consumer.group;
    const spawnChild = () => new ConsumerChild(childEnv(env.vars), { store });
    const children = [spawnChild(), spawnChild()];
    const all = [...children];
    sampler
      .watch('consumer-a', () => children[0]!.pid)
      .watch('consumer-b', () => children[1]!.pid)
      .start();
    await Promise.all(children.map((c) => c.waitFor('the group join', (s) => s.joins > 0, 90_000)));

    const run = producePaced(producer, stream, { perSecond: P.perSecond, batch: 5 });
    const rnd = prng(2026);
    const kills: Array<{ at: number; slot: number; afterJoinMs: number; replacement: ConsumerChild }> = [];
    for (let k = 0; k < P.kills; k++) {
      const slot = rnd() < 0.5 ? 0 : 1;
      const target = children[slot]!;
      await target.waitFor('the group join', (s) => s.joins > 0, 120_000);
      const afterJoinMs = Math.floor(rnd() * P.maxKillDelayMs);
      await sleep(afterJoinMs);
      const at = Date.now();
      await target.kill();
      const replacement = spawnChild();
      children[slot] = replacement;
      all.push(replacement);
      kills.push({ at, slot, afterJoinMs, replacement });
    }
    // Let the last replacement join and write before the stream ends.
    await Promise.all(children.map((c) => c.waitFor('the group join', (s) => s.joins > 0, 120_000)));
    await sleep(3_000);
    run.stop();
    await run.done;

    const exp = expectedFrom(run.acked);
    const end = await endOffsetsTotal(kafka, topic);
    const caughtUpAt = await until(
      'the group to catch up',
      async () => ((await committedTotal(kafka, group, topic)) >= end ? Date.now() : undefined),
      240_000,
      250,
    );
    const lastKill = kills.at(-1)!.at;
    // Recovery of one kill: from the SIGKILL until its replacement has joined and written a range.
    const recoveries = kills
      .filter((k) => k.replacement.firstRangeAt !== undefined)
      .map((k) => k.replacement.firstRangeAt! - k.at);
    await Promise.all(children.map((c) => c.stop()));
    const dump = await dumpTables(store);
    const f = figures(dump, exp);
    rec.set({
      ...f,
      recoveryMs: recoveries.length ? Math.max(...recoveries) : null,
      recoveryWhat:
        'SIGKILL → the restarted consumer has rejoined the group and written a range (max over the kills; session timeout 6 s)',
      peakRssMb: sampler.peak(),
      rssWhat: 'either consumer process',
    });
    rec.detail('kills', kills.length);
    rec.detail('killedBeforeFirstWrite', kills.length - recoveries.length);
    rec.detail('recoveryMs', {
      min: recoveries.length ? Math.min(...recoveries) : null,
      median: recoveries.length ? recoveries.sort((a, b) => a - b)[recoveries.length >> 1] : null,
      max: recoveries.length ? Math.max(...recoveries) : null,
    });
    rec.detail(
      'groupJoins',
      all.reduce((n, c) => n + (c.status?.joins ?? 0), 0),
    );
    // Kills that landed mid-write: a replacement found the range its predecessor had begun (ledger
    // `before`) and wrote it again under the same token.
    const replays = all.reduce((n, c) => n + (c.status?.replays ?? 0), 0);
    rec.detail('unfinishedRangesReplayed', replays);
    rec.detail(
      'redeliveredSkipped',
      all.reduce((n, c) => n + (c.status?.skipped ?? 0), 0),
    );
    rec.detail(
      'duplicateSnapshotsDropped',
      all.reduce((n, c) => n + (c.status?.duplicates ?? 0), 0),
    );
    rec.detail('topicRecords', end);
    rec.detail('catchUpAfterLastKillMs', caughtUpAt - lastKill);

    expect(kills.length).toBe(P.kills);
    // The exactly-once claim is only tested if some kills cut a write short.
    expect(replays, "kills that landed between a range's ledger `before` and its commit").toBeGreaterThan(0);
    expectTablesMatch(dump, exp);
  });
});
