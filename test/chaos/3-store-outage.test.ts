// Scenario 3, store outage: ClickHouse rejects every write for 30 s (short profile: 5 s), injected
// at the store boundary (store.faults, lib/clickhouse/faults.ts) inside the consumer's own process
// once it has written N snapshots, while the stream goes on. The consumer must pause, commit
// nothing during the outage, then catch up with every snapshot exactly once.
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
const rec = new Scenario('store-outage', 3, 'Store outage (ClickHouse rejects writes)', 'snapshots');
const env = scenarioEnv('store', { TWS_BATCH_MAX_SNAPSHOTS: '20' });
const hours = Math.max(2, Math.round(P.snapshots / (5 * 8)));
const stream = recentStream({ events: 5, hours, scrapesPerHour: 8, seed: 31 });
const faultAfter = Math.floor(stream.length / 4);
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

describe('store outage', () => {
  it(`pauses for a ${P.outageMs / 1000} s ClickHouse write outage, commits nothing, then catches up with no loss`, async () => {
    const topic = producer.topics.snapshots;
    const group = env.config.consumer.group;
    const child = new ConsumerChild(
      childEnv({ ...env.vars, TWS_CHAOS_FAULT_AFTER: String(faultAfter), TWS_CHAOS_FAULT_MS: String(P.outageMs) }),
    );
    sampler.watch('consumer', () => child.pid).start();
    await child.waitFor('the group join', (s) => s.joins > 0, 90_000);

    // The stream runs through the outage: about a quarter before it, the rest spread across it.
    const perSecond = Math.max(20, Math.ceil(stream.length / (P.outageMs / 1000 + 4)));
    const run = producePaced(producer, stream, { perSecond });
    const atFault = await child.waitFor('the injected fault', (s) => s.fault !== null, 120_000);
    const fault = atFault.fault!;
    rec.detail('faultAfterSnapshots', faultAfter);
    rec.detail('outageMs', P.outageMs);

    // A range whose writes ended just before the fault may still commit: take the baseline 1 s in.
    await sleep(1_000);
    const baseline = await committedTotal(kafka, group, topic);
    const baseRecords = child.status!.records;
    const samples: Array<{ t: number; committed: number; records: number; state: string }> = [];
    let backingOff = false;
    while (Date.now() < fault.endsAt - 300) {
      const committed = await committedTotal(kafka, group, topic);
      const s = child.status!;
      samples.push({ t: Date.now() - fault.startedAt, committed, records: s.records, state: s.state });
      if (s.state === 'backing-off') backingOff = true;
      await sleep(500);
    }
    const moved = samples.filter((s) => s.committed !== baseline || s.records !== baseRecords);
    const backlog = (await endOffsetsTotal(kafka, topic)) - baseline;
    rec.detail('committedDuringOutage', { baseline, samples: samples.length, moved: moved.length });
    rec.detail('backlogAtOutageEnd', backlog);
    rec.detail('retriesDuringOutage', child.status!.retries);

    await run.done;
    const end = await endOffsetsTotal(kafka, topic);
    const caughtUpAt = await until(
      'the consumer to catch up',
      async () => ((await committedTotal(kafka, group, topic)) >= end ? Date.now() : undefined),
      180_000,
      200,
    );
    const recoveryMs = caughtUpAt - fault.endsAt;
    const dump = await child.dump();
    const exp = expectedFrom(run.acked);
    const f = figures(dump, exp);
    rec.set({
      ...f,
      recoveryMs,
      recoveryWhat: 'end of the outage → every snapshot written and committed (lag 0)',
      peakRssMb: sampler.peak('consumer'),
      rssWhat: 'consumer process',
    });
    rec.detail('topicRecords', end);
    rec.detail('failedSends', run.failedSends);
    await child.stop();

    expect(backingOff, 'the consumer backed off during the outage').toBe(true);
    expect(child.status!.retries).toBeGreaterThan(0);
    expect(moved, 'committed offsets and written records during the outage').toEqual([]);
    expect(backlog, 'records waited in Kafka during the outage').toBeGreaterThan(0);
    expectTablesMatch(dump, exp);
  });
});
