// Phase 1a: our metrics consumer (startConsumers({ only: 'metrics' }), exactly-once, product defaults)
// reads the data set from the broker into a fresh embedded chDB. Measures listings/s from start to the
// last range written, CPU seconds of the whole process (chDB threads included) and peak RSS, then
// dumps the section metrics for the comparison with the Kafka-engine baseline. Phase 1e runs this file
// with BENCH_CONSUMER=lifecycle: the lifecycle consumer over the same records, measured the same way.
import { join } from 'node:path';
import { ensureSchema } from '../../consumers/schema.ts';
import { createStore } from '../../lib/clickhouse/store.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { startConsumers } from '../../consumers/service.ts';
import { note, phaseMain } from '../lib/child.ts';
import { benchConfig, cpuSeconds, peakRssMiB, resetPeakRss, tempDir } from '../lib/env.ts';
import { quiesce } from '../lib/quiesce.ts';
import { round, sleep } from '../lib/stats.ts';
import { dumpMetrics } from '../lib/metric-dump.ts';
import { timedStore } from '../lib/timed-store.ts';

export interface SectionDumpRow {
  snapshot_id: string;
  zone: string;
  section: string;
  lowest_price_cents: number | null;
  highest_price_cents: number | null;
  average_price_cents: number | null;
  total_tickets: number;
  total_listings: number;
}

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

phaseMain(async () => {
  const prefix = env('BENCH_PREFIX');
  const expected = Number(env('BENCH_SNAPSHOTS'));
  const listingsPer = Number(env('BENCH_LISTINGS'));
  const dump = process.env.BENCH_DUMP;
  // BENCH_OURS_ENV: extra settings for a variant run, e.g. {"TWS_RAW_LISTINGS":"false"}.
  const extra = JSON.parse(process.env.BENCH_OURS_ENV ?? '{}') as Record<string, string>;
  // BENCH_CONSUMER=lifecycle: the lifecycle consumer (its own group) over the same records instead.
  const which = process.env.BENCH_CONSUMER === 'lifecycle' ? 'lifecycle' : 'metrics';
  const config = benchConfig({
    prefix,
    group: env('BENCH_GROUP'),
    chdbPath: join(tempDir('ours'), 'chdb'),
    env: extra,
  });
  const store = await createStore(config.clickhouse);
  await ensureSchema(store);
  const kafka = createKafka(config.kafka, silentLogger);

  resetPeakRss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // The consumers get a timing wrapper of the store: where the sink's wall time goes, per table.
  const timed = timedStore(store);
  const svc = await startConsumers({ config, store: timed.store, kafka, log: silentLogger, only: which });
  const runner = which === 'lifecycle' ? svc.lifecycle : svc.metrics;
  const joinedS = (performance.now() - t0) / 1000;
  let firstAt = 0;
  let firstRecords = 0;
  let lastLog = 0;
  const deadline = Date.now() + 20 * 60_000;
  while (runner.stats.records < expected) {
    const n = runner.stats.records;
    if (n > 0 && firstAt === 0) {
      firstAt = performance.now();
      firstRecords = n;
    }
    if (performance.now() - lastLog > 5_000) {
      lastLog = performance.now();
      note('ingest-ours', `${n}/${expected} snapshots written`);
    }
    if (Date.now() > deadline) throw new Error(`timed out at ${n}/${expected} snapshots`);
    await sleep(20);
  }
  const doneAt = performance.now();
  const cpu = cpuSeconds(cpu0);
  const peakRss = peakRssMiB();
  const seconds = (doneAt - t0) / 1000;
  const steadySeconds = (doneAt - firstAt) / 1000;
  const stats = { ...runner.stats, handler: which === 'metrics' ? { ...svc.handler.stats } : undefined };
  const storeTime = timed.summary();
  await svc.stop();

  const counts = (
    await store.query<Record<string, number>>(
      `SELECT (SELECT count() FROM snapshots) AS snapshots, (SELECT count() FROM section_snapshots) AS sections,
              (SELECT count() FROM zone_snapshots) AS zones, (SELECT count() FROM raw_listings) AS raw_listings,
              (SELECT count() FROM zone_rollups_hourly) AS rollup_rows,
              (SELECT sum(outlier_listings) FROM section_snapshots) AS outliers,
              (SELECT count() FROM listing_changes) AS listing_changes`,
    )
  )[0]!;
  if (dump && which === 'metrics') await dumpMetrics(store, dump);
  await quiesce(store);
  await store.close();

  const listings = expected * listingsPer;
  return {
    consumer: which,
    settings: extra,
    snapshots: expected,
    listings,
    rowsWritten: counts,
    seconds: round(seconds),
    groupJoinSeconds: round(joinedS),
    listingsPerSecond: Math.round(listings / seconds),
    snapshotsPerSecond: round(expected / seconds, 1),
    // Rows the sink inserted per second: snapshot + section + zone + raw listing rows.
    rowsPerSecond: Math.round(
      (Number(counts.snapshots) + Number(counts.sections) + Number(counts.zones) + Number(counts.raw_listings)) /
        seconds,
    ),
    // From the first rows visible to the last (null when nearly everything landed in one block).
    steady: {
      seconds: round(steadySeconds),
      listingsPerSecond:
        steadySeconds < 1 ? null : Math.round(((expected - firstRecords) * listingsPer) / steadySeconds),
    },
    cpuSeconds: round(cpu),
    cpuMsPer1000Listings: round((cpu * 1000 * 1000) / listings),
    peakRssMiB: peakRss,
    runner: stats,
    // Wall time the consumer spent waiting on ClickHouse, per statement kind (sequential per range).
    storeTime,
  };
});
