// Phase 1d: the ClickHouse-native baseline doing the same work as our consumer. A Kafka table engine
// reads the same topic (AvroConfluent, schemas from the registry), and a materialized view feeds
// its blocks into snapshot_landing with each record's partition and offset, where the same ingest
// views as ours write snapshots, section_snapshots, zone_snapshots, raw_listings and the rollups.
// What it lacks is what our consumer adds: exactly-once (ledger and tokens), duplicate drops, poison
// isolation, side outputs. Measures listings/s from the engine's creation to the last snapshot row.
import { join } from 'node:path';
import { ensureSchema } from '../../consumers/schema.ts';
import { columnTypes, type AvroType } from '../../lib/clickhouse/avro-structure.ts';
import { sqlString } from '../../lib/clickhouse/inline-params.ts';
import { createStore } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import { loadSchemaText } from '../../lib/registry/codec.ts';
import { note, phaseMain } from '../lib/child.ts';
import { benchConfig, cpuSeconds, peakRssMiB, resetPeakRss, tempDir } from '../lib/env.ts';
import { dumpMetrics } from '../lib/metric-dump.ts';
import { quiesce } from '../lib/quiesce.ts';
import { round, sleep } from '../lib/stats.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

phaseMain(async () => {
  const prefix = env('BENCH_PREFIX');
  const snapshots = Number(env('BENCH_SNAPSHOTS'));
  const listingsPer = Number(env('BENCH_LISTINGS'));
  const config = benchConfig({ prefix, chdbPath: join(tempDir('native-full'), 'chdb') });
  const store = await createStore(config.clickhouse);
  await ensureSchema(store);
  const registry = registryUrlForClickHouse(config);
  const columns = columnTypes(JSON.parse(loadSchemaText('ListingSnapshot')) as AvroType);
  const c = config.consumer;

  resetPeakRss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await store.command(`
    CREATE TABLE bench_kafka_full (${[...columns].map(([name, type]) => `${name} ${type}`).join(', ')})
    ENGINE = Kafka SETTINGS
      kafka_broker_list = ${sqlString(config.kafka.brokers.join(','))},
      kafka_topic_list = ${sqlString(topicNames(prefix).snapshots)},
      kafka_group_name = ${sqlString(env('BENCH_GROUP'))},
      kafka_format = 'AvroConfluent',
      kafka_num_consumers = 1,
      format_avro_schema_registry_url = ${sqlString(registry)}`);
  await store.command(`
    CREATE MATERIALIZED VIEW bench_kafka_to_landing TO ${TABLES.snapshotLanding} AS
    SELECT ${[...columns.keys()].join(', ')},
      toUInt32(_partition) AS kafka_partition, _offset AS kafka_offset,
      toFloat64(${c.outlierRatio}) AS outlier_ratio, ${c.excludeOutliers} AS exclude_outliers,
      ${c.rawListings} AS keep_raw_listings
    FROM bench_kafka_full`);
  let rows = 0;
  let firstAt = 0;
  let firstRows = 0;
  let lastLog = 0;
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    rows = Number((await store.query<{ n: number }>(`SELECT count() AS n FROM ${TABLES.snapshots}`))[0]?.n ?? 0);
    if (rows > 0 && firstAt === 0) {
      firstAt = performance.now();
      firstRows = rows;
    }
    if (rows >= snapshots) break;
    if (performance.now() - lastLog > 5_000) {
      lastLog = performance.now();
      note('ingest-native-full', `${rows}/${snapshots} snapshot rows`);
    }
    if (Date.now() > deadline) throw new Error(`timed out at ${rows}/${snapshots} snapshot rows`);
    await sleep(50);
  }
  const doneAt = performance.now();
  const cpu = cpuSeconds(cpu0);
  const peakRss = peakRssMiB();
  const seconds = (doneAt - t0) / 1000;
  const steadySeconds = (doneAt - firstAt) / 1000;
  await store.command('DROP VIEW bench_kafka_to_landing');
  await store.command('DROP TABLE bench_kafka_full');
  const counts = (
    await store.query<Record<string, number>>(
      `SELECT (SELECT count() FROM snapshots) AS snapshots, (SELECT uniqExact(snapshot_id) FROM snapshots) AS distinct_snapshots,
              (SELECT count() FROM section_snapshots) AS sections, (SELECT count() FROM zone_snapshots) AS zones,
              (SELECT count() FROM raw_listings) AS raw_listings`,
    )
  )[0]!;
  await dumpMetrics(store, env('BENCH_DUMP'));
  await quiesce(store);
  await store.close();
  const listings = snapshots * listingsPer;
  return {
    format: 'AvroConfluent, same ingest views',
    snapshots,
    listings,
    rowsWritten: counts,
    seconds: round(seconds),
    listingsPerSecond: Math.round(listings / seconds),
    snapshotsPerSecond: round(snapshots / seconds, 1),
    steady: {
      seconds: round(steadySeconds),
      listingsPerSecond:
        steadySeconds < 1 ? null : Math.round((((snapshots - firstRows) / snapshots) * listings) / steadySeconds),
    },
    cpuSeconds: round(cpu),
    cpuMsPer1000Listings: round((cpu * 1000 * 1000) / listings),
    peakRssMiB: peakRss,
  };
});
