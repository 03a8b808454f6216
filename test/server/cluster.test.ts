// The cluster path for real: Keeper and two ClickHouse replicas as docker-compose.cluster.yml runs
// them (deploy/clickhouse/cluster/), and the roles with TWS_CLICKHOUSE_CLUSTER. The migrations apply
// ON CLUSTER (twice, through either replica), an insert token is honoured by both replicas, a
// ledger row written through one replica is read back through the other even when that one lags,
// and the consumer killed while alternating replicas still writes every record exactly once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DISTRIBUTED_SUFFIX } from '../../lib/clickhouse/cluster.ts';
import { loadMigrations } from '../../lib/clickhouse/migrate.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { loadConfig } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { OffsetLedger } from '../../consumers/runner/offset-ledger.ts';
import { uniqueId } from '../helpers/env.ts';
import { count, produceSnapshots, waitFor } from '../support/pipeline.ts';
import { knownStream } from '../support/stream.ts';
import { startClusterEnvironment, type ClusterEnvironment } from './support/containers.ts';
import { crashLoop, dumpTables, runToEnd, type Run } from './support/crash-loop.ts';
import { runTws, storeFor, syncReplica } from './support/roles.ts';
import { roleEnv } from './support/specs.ts';

const server = inject('twsServer');
const KILLS = Number(process.env.TWS_SERVER_CRASH_KILLS ?? 4);
const CLUSTER = 'tws';
const prefix = uniqueId('clu');

describe.skipIf(!server)('server mode on a ClickHouse cluster (one shard, two replicas, Keeper)', () => {
  let cluster: ClusterEnvironment;
  const stores: Store[] = [];
  /** The role environment through replica 0 or 1 (clickhouse-1, clickhouse-2). */
  const envOf = (replica: number, database = prefix, extra: Record<string, string> = {}) =>
    roleEnv(
      { ...server!, clickhouseUrl: cluster.replicaUrls[replica]! },
      {
        TWS_CLICKHOUSE_CLUSTER: CLUSTER,
        TWS_TOPIC_PREFIX: prefix,
        CLICKHOUSE_DATABASE: database,
        ...extra,
      },
    );
  const open = async (replica: number, database = prefix) => {
    const s = await storeFor(envOf(replica, database));
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    cluster = await startClusterEnvironment(server!);
  });

  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  it('applies the migrations ON CLUSTER, twice and through either replica: replicated tables, views and twins on both', async () => {
    for (const replica of [0, 0, 1]) {
      const r = await runTws(['migrate'], envOf(replica));
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    }
    const schemas = [];
    for (const replica of [0, 1]) {
      const s = await open(replica);
      const tables = await s.query<{ name: string; engine: string }>(
        'SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name',
      );
      const engine = (name: string) => tables.find((t) => t.name === name)?.engine;
      expect(engine('zone_snapshots'), `replica ${replica}`).toBe('ReplicatedMergeTree');
      expect(engine('sink_offsets')).toBe('ReplicatedReplacingMergeTree');
      expect(engine('zone_rollups_hourly')).toBe('ReplicatedAggregatingMergeTree');
      expect(engine('zone_rollups_hourly_mv')).toBe('MaterializedView');
      expect(engine('zone_hourly')).toBe('View');
      expect(engine(`zone_snapshots${DISTRIBUTED_SUFFIX}`)).toBe('Distributed');
      schemas.push(tables);
      await syncReplica(s, ['schema_migrations']);
      const [m] = await s.query<{ n: number; u: number }>(
        'SELECT count() AS n, uniqExact(version) AS u FROM schema_migrations',
      );
      expect(Number(m!.u)).toBe(loadMigrations().length);
      expect(Number(m!.n)).toBe(Number(m!.u));
    }
    expect(schemas[1]).toEqual(schemas[0]);
  });

  it('drops a block re-sent through the other replica under the same token, in the table and its rollups', async () => {
    const [one, two] = [await open(0), await open(1)];
    const row = (snapshot: string, price: number) => ({
      event_id: 'tok-e',
      scraped_at: '2026-01-01 10:00:00.000',
      snapshot_id: snapshot,
      zone_id: 'z',
      zone: 'Floor',
      lowest_price_cents: price,
    });
    await one.insert('zone_snapshots', [row('s1', 100)], { dedupToken: 'g:t:0:0-0:zone_snapshots' });
    // The same token with other content: dropped, as a replayed range's block is.
    await two.insert('zone_snapshots', [row('s1-again', 999)], { dedupToken: 'g:t:0:0-0:zone_snapshots' });
    for (const s of [one, two]) {
      await syncReplica(s, ['zone_snapshots', 'zone_rollups_hourly']);
      expect(await count(s, "SELECT count() AS n FROM zone_snapshots WHERE event_id = 'tok-e'")).toBe(1);
      expect(await count(s, "SELECT sum(scrapes) AS n FROM zone_hourly WHERE event_id = 'tok-e'")).toBe(1);
    }
  });

  it("reads a ledger row written through one replica back through the other, waiting for that replica's fetch", async () => {
    const [one, two] = [await open(0), await open(1)];
    const group = uniqueId('ledger-');
    await two.command('SYSTEM STOP FETCHES sink_offsets');
    try {
      await new OffsetLedger(one, group).write('topic', 0, 0n, 9n, 'after');
      // Without the sync the lagging replica shows no ledger row: the runner would start over.
      expect(
        await count(two, 'SELECT count() AS n FROM sink_offsets WHERE consumer_group = {g:String}', { g: group }),
      ).toBe(0);
      const read = new OffsetLedger(two, group).read('topic', 0);
      await waitFor(
        'the ledger read to wait on SYSTEM SYNC REPLICA',
        async () =>
          (
            await two.query<{ n: number }>(
              "SELECT count() AS n FROM system.processes WHERE query LIKE 'SYSTEM SYNC REPLICA sink_offsets%'",
            )
          )[0]!.n > 0,
      );
      await two.command('SYSTEM START FETCHES sink_offsets');
      expect(await read).toEqual({ first: 0n, last: 9n, phase: 'after', epoch: 0 });
    } finally {
      await two.command('SYSTEM START FETCHES sink_offsets');
    }
  });

  it(`killed ${KILLS} times while switching replicas, the consumer writes every record exactly once`, async () => {
    const start = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
    const stream = knownStream({ events: 10, hours: 24, scrapesPerHour: 4, seed: 17, start });
    const distinct = new Set(stream.map((s) => s.snapshot_id)).size;
    const config = loadConfig(envOf(0));
    const kafka = createKafka(config.kafka, silentLogger);
    await ensureTopics(kafka, config.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
    const producer = new AvroProducer(kafka, config, ['snapshots']);
    await producer.start();
    await produceSnapshots(producer, stream);
    await producer.stop();
    const run = (name: string, switching: boolean): Run => ({
      envFor: (life) =>
        envOf(switching ? life % 2 : 0, `${prefix}_${name}`, {
          TWS_CONSUMER_GROUP: `${prefix}-${name}`,
          TWS_BATCH_MAX_SNAPSHOTS: '7',
          TWS_CONSUMER_SESSION_TIMEOUT_MS: '6000',
        }),
      group: `${prefix}-${name}`,
      expected: distinct,
    });
    await runToEnd(run('clean', false));
    expect(await crashLoop(run('crash', true), KILLS, 7)).toBe(KILLS);
    await runToEnd(run('crash', true), KILLS + 1);
    const [want, got] = await Promise.all([
      dumpTables(await open(0, `${prefix}_clean`)),
      dumpTables(await open(1, `${prefix}_crash`)),
    ]);
    expect(got.snapshots).toEqual([{ n: distinct, u: distinct }]);
    expect(got.zones).toEqual(want.zones);
    expect(got.sections).toEqual(want.sections);
    expect(got.raw).toEqual(want.raw);
    expect(got.hourly).toEqual(want.hourly);
    expect(got.daily).toEqual(want.daily);
  });
});
