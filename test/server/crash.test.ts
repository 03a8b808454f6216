// Exactly-once against a ClickHouse server: the metrics consumer as `tws consume --only metrics`
// processes, SIGKILLed at random points after each has written something, ends with the same tables
// as a run that was never killed (a shortened test/consumers/crash.test.ts). Both runs read the same
// topic into their own databases on the same server, with their own consumer groups.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Store } from '../../lib/clickhouse/store.ts';
import { loadConfig } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { uniqueId } from '../helpers/env.ts';
import { produceSnapshots } from '../support/pipeline.ts';
import { knownStream } from '../support/stream.ts';
import { crashLoop, dumpTables, runToEnd, type Run } from './support/crash-loop.ts';
import { storeFor } from './support/roles.ts';
import { SKIPPED, roleEnv } from './support/specs.ts';

const server = inject('twsServer');
const KILLS = Number(process.env.TWS_SERVER_CRASH_KILLS ?? 5);
// Recent scrapes: no TTL (raw listings keep 30 days) may act between the two runs.
const START = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
const stream = knownStream({ events: 10, hours: 24, scrapesPerHour: 4, seed: 11, start: START });
const distinct = new Set(stream.map((s) => s.snapshot_id)).size;
const prefix = uniqueId('crash');

describe.skipIf(!server)('server mode: exactly-once under SIGKILL', () => {
  const envOf = (name: string) =>
    roleEnv(server ?? SKIPPED, {
      TWS_TOPIC_PREFIX: prefix,
      CLICKHOUSE_DATABASE: `${prefix}_${name}`,
      TWS_CONSUMER_GROUP: `${prefix}-${name}`,
      TWS_BATCH_MAX_SNAPSHOTS: '7',
      TWS_CONSUMER_SESSION_TIMEOUT_MS: '6000',
    });
  const run = (name: string): Run => ({ envFor: () => envOf(name), group: `${prefix}-${name}`, expected: distinct });
  const stores: Store[] = [];

  beforeAll(async () => {
    const config = loadConfig(envOf('clean'));
    const kafka = createKafka(config.kafka, silentLogger);
    await ensureTopics(kafka, config.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
    const producer = new AvroProducer(kafka, config, ['snapshots']);
    await producer.start();
    await produceSnapshots(producer, stream);
    await producer.stop();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
  });

  it(`SIGKILLed ${KILLS} times, the consumer process ends with the tables of an uncrashed run`, async () => {
    await runToEnd(run('clean'));
    const kills = await crashLoop(run('crash'), KILLS, 2024);
    await runToEnd(run('crash'));
    expect(kills).toBe(KILLS);

    const [clean, crashed] = await Promise.all([storeFor(envOf('clean')), storeFor(envOf('crash'))]);
    stores.push(clean, crashed);
    const [want, got] = await Promise.all([dumpTables(clean), dumpTables(crashed)]);
    expect(got.snapshots).toEqual([{ n: distinct, u: distinct }]);
    expect(got.zones.length).toBe(want.zones.length);
    expect(got.zones).toEqual(want.zones);
    expect(got.sections).toEqual(want.sections);
    expect(got.raw).toEqual(want.raw);
    expect(got.hourly).toEqual(want.hourly);
    expect(got.daily).toEqual(want.daily);
  });
});
