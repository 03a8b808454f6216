// Scenario 3, store outage: ClickHouse rejects every write for 30 s (short profile: 5 s), injected
// at the store boundary (store.faults, lib/clickhouse/faults.ts) inside the consumer's own process
// once it has written a quarter of the stream, while the stream goes on; then ClickHouse goes down
// altogether (reads rejected too) for as long, while the rest of the stream arrives, after which
// the topic stays quiet. In each outage the consumer
// must pause (backing off), commit nothing, and afterwards catch up with every snapshot exactly once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

const P = profile.storeOutage;
const rec = new Scenario('store-outage', 3, 'Store outage (ClickHouse rejects writes, then everything)', 'snapshots');
const env = scenarioEnv('store', { TWS_BATCH_MAX_SNAPSHOTS: '20' });
const hours = Math.max(2, Math.round(P.snapshots / (5 * 8)));
const stream = recentStream({ events: 5, hours, scrapesPerHour: 8, seed: 31 });
// The first 70 % of the stream runs through outage 1; the rest is all produced during outage 2,
// after which the topic stays quiet: nothing but the end of the outage may get those records written.
const part1 = stream.slice(0, Math.floor(stream.length * 0.7));
const part2 = stream.slice(part1.length);
const OUTAGES = [
  { name: 'writes rejected', after: Math.floor(stream.length / 4), ms: P.outageMs, kinds: ['write'] },
  // Starts once all of part 1 is written (its records count includes its few redelivered copies).
  { name: 'reads and writes rejected', after: part1.length, ms: P.outageMs, kinds: ['read', 'write'] },
];
let kafka: Kafka;
let producer: AvroProducer;
const sampler = new RssSampler();

beforeAll(async () => {
  kafka = createKafka(env.config.kafka, silentLogger);
  await ensureTopics(kafka, env.config.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
  producer = new AvroProducer(kafka, env.config, ['snapshots']);
  await producer.start();
});

afterAll(async () => {
  sampler.stop();
  killAllChildren();
  await producer?.stop();
  rec.save();
});

beforeEach((ctx) => rec.track(ctx));

interface Observed {
  outage: string;
  durationMs: number;
  committedMoved: number;
  recordsMoved: number;
  backingOff: boolean;
  retries: number;
  backlog: number;
  /** null: not caught up within 30 s. */
  catchUpMs: number | null;
  lagAfter: number;
}

describe('store outage', () => {
  it(`pauses through two ${P.outageMs / 1000} s ClickHouse outages, commits nothing, then catches up with no loss`, async () => {
    const topic = producer.topics.snapshots;
    const group = env.config.consumer.group;
    const child = new ConsumerChild(
      childEnv({
        ...env.vars,
        TWS_CHAOS_FAULTS: JSON.stringify(OUTAGES.map(({ after, ms, kinds }) => ({ after, ms, kinds }))),
        ...(process.env.TWS_CHAOS_DEBUG ? { TWS_CHAOS_LOG: `${env.dir}/child.log` } : {}),
      }),
    );
    sampler.watch('consumer', () => child.pid).start();
    await child.waitFor('the group join', (s) => s.joins > 0, 90_000);

    const perSecond = Math.max(20, Math.ceil(part1.length / (P.outageMs / 1000 + 4)));
    const runs = [producePaced(producer, part1, { perSecond })];
    const observed: Observed[] = [];
    for (const [i, outage] of OUTAGES.entries()) {
      const at = await child.waitFor(`outage ${i + 1}`, (s) => s.faults.length > i, 180_000);
      const fault = at.faults[i]!;
      if (i === 1) {
        const run2 = producePaced(producer, part2, { perSecond: 1_000 });
        runs.push(run2);
        await run2.done;
        rec.detail('part2ProducedWithinOutage', Date.now() < fault.endsAt);
      }
      // A range whose writes ended just before the fault may still commit: take the baseline 1 s in.
      await sleep(1_000);
      const baseline = await committedTotal(kafka, group, topic);
      const baseRecords = child.status!.records;
      const baseRetries = child.status!.retries;
      let committedMoved = 0;
      let recordsMoved = 0;
      let backingOff = false;
      while (Date.now() < fault.endsAt - 300) {
        if ((await committedTotal(kafka, group, topic)) !== baseline) committedMoved++;
        const s = child.status!;
        if (s.records !== baseRecords) recordsMoved++;
        if (s.state === 'backing-off') backingOff = true;
        await sleep(500);
      }
      const backlog = (await endOffsetsTotal(kafka, topic)) - baseline;
      const retries = child.status!.retries - baseRetries;
      // Caught up: everything produced by the end of the outage is written and committed.
      const target = await endOffsetsTotal(kafka, topic);
      const caughtUpAt = await until(
        `the consumer to catch up after outage ${i + 1} (${outage.name})`,
        async () => ((await committedTotal(kafka, group, topic)) >= target ? Date.now() : undefined),
        30_000,
        200,
      ).catch(() => undefined);
      observed.push({
        outage: outage.name,
        durationMs: fault.endsAt - fault.startedAt,
        committedMoved,
        recordsMoved,
        backingOff,
        retries,
        backlog,
        catchUpMs: caughtUpAt === undefined ? null : caughtUpAt - fault.endsAt,
        lagAfter: caughtUpAt === undefined ? target - (await committedTotal(kafka, group, topic)) : 0,
      });
    }

    for (const r of runs) await r.done;
    const end = await endOffsetsTotal(kafka, topic);
    const caughtUp = await until(
      'the consumer to catch up with the whole stream',
      async () => ((await committedTotal(kafka, group, topic)) >= end ? true : undefined),
      observed.every((o) => o.catchUpMs !== null) ? 180_000 : 10_000,
      200,
    ).catch(() => false);
    const dump = await child.dump();
    const exp = expectedFrom(runs.flatMap((r) => r.acked));
    const f = figures(dump, exp);
    rec.set({
      ...f,
      recoveryMs: observed.every((o) => o.catchUpMs !== null) ? Math.max(...observed.map((o) => o.catchUpMs!)) : null,
      recoveryWhat: 'end of an outage → the backlog written and committed (lag 0); max of the two outages',
      peakRssMb: sampler.peak('consumer'),
      rssWhat: 'consumer process',
    });
    rec.detail('outages', observed);
    rec.detail('topicRecords', end);
    rec.detail('lagAtEnd', end - (await committedTotal(kafka, group, topic)));
    await child.stop();

    for (const o of observed) {
      expect.soft(o.committedMoved, `${o.outage}: committed offsets moved`).toBe(0);
      expect.soft(o.recordsMoved, `${o.outage}: records written`).toBe(0);
      expect.soft(o.backlog, `${o.outage}: records waited in Kafka`).toBeGreaterThan(0);
      // The runner's own backoff: state `backing-off`, tws_sink_paused = 1, retries counted.
      expect.soft(o.backingOff, `${o.outage}: the consumer reported backing off`).toBe(true);
      expect.soft(o.retries, `${o.outage}: retries with backoff`).toBeGreaterThan(0);
      expect.soft(o.catchUpMs, `${o.outage}: caught up within 30 s after the outage`).not.toBeNull();
    }
    expect.soft(caughtUp, 'caught up with the whole stream').toBe(true);
    expectTablesMatch(dump, exp);
  });
});
