// Phase 1b: the ClickHouse-native baseline in chDB. A Kafka table engine reads the same topic as our
// consumer (format AvroConfluent, schemas from the Apicurio registry's Confluent-compatible API), and
// a materialized view computes the same section metrics into a MergeTree table, with the consumer's
// validity rules: a listing counts when its all-in price is a positive number and its quantity is
// at least 1. Measures listings/s from the engine's creation until every section row has arrived.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { structureOf, type AvroType } from '../../lib/clickhouse/avro-structure.ts';
import { createStore } from '../../lib/clickhouse/store.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { loadSchemaText } from '../../lib/registry/codec.ts';
import { note, phaseMain } from '../lib/child.ts';
import { benchConfig, cpuSeconds, peakRssMiB, resetPeakRss, tempDir } from '../lib/env.ts';
import { quiesce } from '../lib/quiesce.ts';
import { round, sleep } from '../lib/stats.ts';
import type { SectionDumpRow } from './ingest-ours.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

/** A ClickHouse string literal (engine settings cannot be bound parameters). */
const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The Avro record as ClickHouse columns, from the current schema (lib/clickhouse/avro-structure.ts):
 * nested records map onto Tuples by field count, so a hand-written list falls behind the schema
 * (a listing field added later made the engine reject every record, and this phase wait forever).
 */
const KAFKA_COLUMNS = structureOf(JSON.parse(loadSchemaText('ListingSnapshot')) as AvroType);

export const NATIVE_KAFKA_SETTINGS = {
  kafka_format: 'AvroConfluent',
  kafka_num_consumers: 1,
  // Everything else is the engine's default (kafka_max_block_size, kafka_flush_interval_ms, ...).
};

// The same section metrics as consumers/metrics/price-metrics.ts for the compared columns.
const VIEW_SELECT = `
SELECT
  snapshot_id, event_id, scraped_at, zone_id, zone, section,
  if(n = 0, NULL, arrayMin(prices)) AS lowest_price_cents,
  if(n = 0, NULL, arraySum(prices) / n) AS average_price_cents,
  if(n = 0, NULL, arrayMax(prices)) AS highest_price_cents,
  toUInt32(arraySum(qtys)) AS total_tickets,
  toUInt32(n) AS total_listings,
  now64(3) AS ingested_at
FROM (
  SELECT
    snapshot_id, event_id, scraped_at,
    z.zone_id AS zone_id, z.name AS zone, s.name AS section,
    arrayFilter(l -> isNotNull(l.all_in_price_cents) AND assumeNotNull(l.all_in_price_cents) > 0 AND l.quantity >= 1,
                s.listings) AS valid,
    arrayMap(l -> toUInt32(assumeNotNull(l.all_in_price_cents)), valid) AS prices,
    arrayMap(l -> toUInt32(l.quantity), valid) AS qtys,
    length(valid) AS n
  FROM bench_kafka_snapshots
  ARRAY JOIN zones AS z
  ARRAY JOIN z.sections AS s
)`;

phaseMain(async () => {
  const prefix = env('BENCH_PREFIX');
  const snapshots = Number(env('BENCH_SNAPSHOTS'));
  const expectedSections = Number(env('BENCH_SECTIONS'));
  const listingsPer = Number(env('BENCH_LISTINGS'));
  const dump = env('BENCH_DUMP');
  const group = env('BENCH_GROUP');
  const config = benchConfig({ prefix, chdbPath: join(tempDir('native'), 'chdb') });
  const store = await createStore(config.clickhouse);
  const registry = config.registry.url.endsWith('/') ? config.registry.url : `${config.registry.url}/`;
  await store.command(`
    CREATE TABLE bench_section_metrics (
      snapshot_id String, event_id String, scraped_at DateTime64(3, 'UTC'),
      zone_id String, zone LowCardinality(String), section String,
      lowest_price_cents Nullable(UInt32), average_price_cents Nullable(Float64), highest_price_cents Nullable(UInt32),
      total_tickets UInt32, total_listings UInt32, ingested_at DateTime64(3, 'UTC')
    ) ENGINE = MergeTree PARTITION BY toYYYYMM(scraped_at) ORDER BY (event_id, zone, section, scraped_at)`);

  resetPeakRss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await store.command(`
    CREATE TABLE bench_kafka_snapshots (${KAFKA_COLUMNS})
    ENGINE = Kafka SETTINGS
      kafka_broker_list = ${sqlString(config.kafka.brokers.join(','))},
      kafka_topic_list = ${sqlString(topicNames(prefix).snapshots)},
      kafka_group_name = ${sqlString(group)},
      kafka_format = 'AvroConfluent',
      kafka_num_consumers = ${NATIVE_KAFKA_SETTINGS.kafka_num_consumers},
      format_avro_schema_registry_url = ${sqlString(registry)}`);
  await store.command(`CREATE MATERIALIZED VIEW bench_section_mv TO bench_section_metrics AS ${VIEW_SELECT}`);
  let firstAt = 0;
  let firstRows = 0;
  let rows = 0;
  let lastLog = 0;
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    rows = Number((await store.query<{ n: number }>('SELECT count() AS n FROM bench_section_metrics'))[0]?.n ?? 0);
    if (rows > 0 && firstAt === 0) {
      firstAt = performance.now();
      firstRows = rows;
    }
    if (rows >= expectedSections) break;
    if (performance.now() - lastLog > 5_000) {
      lastLog = performance.now();
      note('ingest-native', `${rows}/${expectedSections} section rows`);
      // An engine that rejects the records shows it here: fail with its error, not at the deadline.
      const [failed] = await store
        .query<{ text: string }>(
          `SELECT exceptions.text[-1] AS text FROM system.kafka_consumers WHERE length(exceptions.text) > 0 LIMIT 1`,
        )
        .catch(() => []);
      if (rows === 0 && failed?.text) throw new Error(`the Kafka engine rejects the records: ${failed.text}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out at ${rows}/${expectedSections} section rows`);
    await sleep(50);
  }
  const doneAt = performance.now();
  const cpu = cpuSeconds(cpu0);
  const peakRss = peakRssMiB();
  const seconds = (doneAt - t0) / 1000;
  const steadySeconds = (doneAt - firstAt) / 1000;
  // Stop consuming before reading back (and before the engine shuts down with the process).
  await store.command('DROP VIEW bench_section_mv');
  const consumers = await store
    .query<Record<string, unknown>>(
      `SELECT num_messages_read, num_commits, length(exceptions.text) AS exceptions FROM system.kafka_consumers`,
    )
    .catch(() => []);
  await store.command('DROP TABLE bench_kafka_snapshots');
  const check = (
    await store.query<{ rows: number; distinct_rows: number; snapshots: number }>(
      `SELECT count() AS rows, uniqExact(snapshot_id, zone, section) AS distinct_rows,
              uniqExact(snapshot_id) AS snapshots FROM bench_section_metrics`,
    )
  )[0]!;
  const out = await store.query<SectionDumpRow>(
    `SELECT snapshot_id, zone, section, any(lowest_price_cents) AS lowest_price_cents,
            any(highest_price_cents) AS highest_price_cents, any(average_price_cents) AS average_price_cents,
            any(total_tickets) AS total_tickets, any(total_listings) AS total_listings
     FROM bench_section_metrics GROUP BY snapshot_id, zone, section ORDER BY snapshot_id, zone, section`,
  );
  writeFileSync(dump, out.map((r) => JSON.stringify(r)).join('\n'));
  const [version] = await store.query<{ v: string }>('SELECT version() AS v');
  await quiesce(store);
  await store.close();

  const listings = snapshots * listingsPer;
  return {
    clickhouseVersion: version?.v,
    format: 'AvroConfluent',
    registry,
    settings: NATIVE_KAFKA_SETTINGS,
    snapshots,
    listings,
    sectionRows: rows,
    check,
    consumers,
    seconds: round(seconds),
    listingsPerSecond: Math.round(listings / seconds),
    snapshotsPerSecond: round(snapshots / seconds, 1),
    // From the first rows visible to the last (null when nearly everything landed in one block).
    steady: {
      seconds: round(steadySeconds),
      listingsPerSecond:
        steadySeconds < 1
          ? null
          : Math.round((((expectedSections - firstRows) / expectedSections) * listings) / steadySeconds),
    },
    cpuSeconds: round(cpu),
    cpuMsPer1000Listings: round((cpu * 1000 * 1000) / listings),
    peakRssMiB: peakRss,
  };
});
