// `npm run bench`: measures the pipeline against baselines that run on the same machine in the same
// run (issue 7), and writes bench/results/<timestamp>.json, latest.json and latest.md.
//
//   1. ingest: our metrics consumer vs ClickHouse's Kafka engine + materialized views (same topic):
//      a section-only view (the old baseline), and the same ingest views as ours (same work)
//   2. API latency (autocannon) vs the same SQL called directly (the floor)
//   3. API latency while the consumers ingest at full speed in the same process (embedded chDB)
//   4. freshness: scrape → visible through the API, at a steady load
//   5. memory: peak RSS of the consumer and API processes (reported with 1–3)
//   6. scraper: snapshots/s through worker + producer against the simulated marketplace
//   7. sales inference: the listing lifecycle's inferred sales against the simulator's sales log
//
// Knobs (environment):
//   BENCH_SCALE=0.05        shrinks every size and duration (0–1], for quick runs; default 1, the full run
//   BENCH_ONLY=ingest,api   picks phases (ingest, api, freshness, scraper, sales); default all
//   BENCH_API_INGEST=0      the API phase without phase 3 (no data set to produce): latency and floors only
//   BENCH_SNAPSHOTS=10000   data-set size at scale 1 (× 200 listings each); BENCH_API_EVENTS=100
//   BENCH_VARIANTS=0        skips the extra ingest run without raw listings
//   BENCH_CPU_PROF=1        a CPU profile per phase process in bench/results/profiles/ (bench/profile.ts reads them)
// The full run takes 6–8 minutes on 2 cores. The local stack is started when it is not running,
// and only what this run started is stopped again; topics, groups and chDB paths are unique per run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stackDown, stackUp } from '../deploy/stack/stack.mjs';
import { AvroProducer } from '../lib/kafka/avro-producer.ts';
import { createKafka, deleteTopicsWhere, ensureTopics } from '../lib/kafka/client.ts';
import { silentLogger } from '../lib/logger.ts';
import { runPhase } from './lib/child.ts';
import { compareDumps } from './lib/compare.ts';
import { listingsPerSnapshot, produceDataset, sectionsPerSnapshot, type DatasetSpec } from './lib/dataset.ts';
import { benchConfig, benchScale, machineInfo, scaled, tempDir, uniqueId } from './lib/env.ts';
import {
  evaluateTargets,
  renderMarkdown,
  type BenchResults,
  type FreshnessResults,
  type IngestResults,
  type ScraperResults,
} from './lib/report.ts';
import { apiUnderIngest, runApiBench } from './lib/api-bench.ts';
import type { SalesInferenceResults } from './lib/sales-score.ts';
import { round } from './lib/stats.ts';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const PHASES = ['ingest', 'api', 'freshness', 'scraper', 'sales'] as const;
type PhaseName = (typeof PHASES)[number];

async function main(): Promise<void> {
  const t0 = performance.now();
  const scale = benchScale();
  const only = new Set(
    (process.env.BENCH_ONLY ?? PHASES.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as PhaseName[],
  );
  const started = await stackUp({ log: (l: string) => log(`stack: ${l}`) });
  const runTmp = tempDir('run');
  process.env.BENCH_TMP = runTmp;
  const runId = uniqueId('bench-');
  const config = benchConfig({ prefix: runId });
  const kafka = createKafka(config.kafka, silentLogger);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    scale,
    machine: machineInfo(),
    phases: {},
  };
  try {
    const spec: DatasetSpec = {
      snapshots: scaled(Number(process.env.BENCH_SNAPSHOTS ?? 10_000), 50, scale),
      events: scaled(40, 5, scale),
      zones: 5,
      sectionsPerZone: 4,
      listingsPerSection: 10,
      seed: 7,
      intervalMs: 5 * 60_000,
      endAt: Date.now() - 3_600_000,
    };
    // The API phase reads the data set only to ingest while it serves (phase 3).
    const needsDataset = only.has('ingest') || (only.has('api') && apiUnderIngest());
    if (needsDataset) {
      await ensureTopics(kafka, config.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
      const producer = new AvroProducer(kafka, config, ['snapshots']);
      await producer.start();
      log(
        `producing ${spec.snapshots} snapshots × ${listingsPerSnapshot(spec)} listings to ${producer.topics.snapshots}`,
      );
      const seconds = await produceDataset(producer, spec);
      await producer.stop();
      results.dataset = {
        ...spec,
        listingsPerSnapshot: listingsPerSnapshot(spec),
        listings: spec.snapshots * listingsPerSnapshot(spec),
        topic: producer.topics.snapshots,
        partitions: config.kafka.partitions,
        produceSeconds: round(seconds),
        produceSnapshotsPerSecond: round(spec.snapshots / seconds, 1),
      };
      log(`produced in ${round(seconds)} s`);
    }

    if (only.has('ingest')) {
      const dumps = { ours: join(runTmp, 'ours.jsonl'), native: join(runTmp, 'native.jsonl') };
      const common = {
        BENCH_PREFIX: runId,
        BENCH_SNAPSHOTS: String(spec.snapshots),
        BENCH_LISTINGS: String(listingsPerSnapshot(spec)),
        BENCH_SECTIONS: String(spec.snapshots * sectionsPerSnapshot(spec)),
      };
      log('1a: our metrics consumer');
      const ours = await runPhase<IngestResults['ours']>('ingest-ours', 'ingest-ours.ts', {
        ...common,
        BENCH_GROUP: `${runId}-ours`,
        BENCH_DUMP: dumps.ours,
      });
      log(`1a: ${JSON.stringify({ lps: ours.listingsPerSecond, s: ours.seconds })}`);
      log('1b: ClickHouse Kafka engine + materialized view');
      const native = await runPhase<IngestResults['native']>('ingest-native', 'ingest-native.ts', {
        ...common,
        BENCH_GROUP: `${runId}-native`,
        BENCH_DUMP: dumps.native,
      });
      log(`1b: ${JSON.stringify({ lps: native.listingsPerSecond, s: native.seconds })}`);
      if (typeof native.clickhouseVersion === 'string') results.machine.clickhouse = native.clickhouseVersion;
      const comparison = compareDumps(dumps.ours, dumps.native);
      log('1d: ClickHouse Kafka engine + the same ingest views (same work as ours)');
      const sameWorkDump = join(runTmp, 'native-full.jsonl');
      const sameWork = await runPhase<IngestResults['native']>('ingest-native-full', 'ingest-native-full.ts', {
        ...common,
        BENCH_GROUP: `${runId}-native-full`,
        BENCH_DUMP: sameWorkDump,
      });
      log(`1d: ${JSON.stringify({ lps: sameWork.listingsPerSecond, s: sameWork.seconds })}`);
      // The lifecycle consumer (its own group, off the metrics path): not part of the ingest target,
      // reported so its cost and headroom are visible.
      log('1e: the lifecycle consumer over the same records');
      const lifecycle = await runPhase<IngestResults['ours']>('ingest-lifecycle', 'ingest-ours.ts', {
        ...common,
        BENCH_GROUP: `${runId}-lifecycle`,
        BENCH_CONSUMER: 'lifecycle',
      });
      log(`1e: ${JSON.stringify({ lps: lifecycle.listingsPerSecond, s: lifecycle.seconds })}`);
      results.phases.ingest = {
        ours,
        native,
        ratio: round(ours.listingsPerSecond / native.listingsPerSecond),
        comparison,
        sameWork: {
          native: sameWork,
          ratio: round(ours.listingsPerSecond / sameWork.listingsPerSecond),
          cpuRatio: round(ours.cpuMsPer1000Listings / sameWork.cpuMsPer1000Listings),
          comparison: compareDumps(dumps.ours, sameWorkDump),
        },
        lifecycle,
      };
      for (const c of [comparison, results.phases.ingest.sameWork!.comparison])
        if (!c.identical) log(`1: metric values differ: ${JSON.stringify({ ...c, fields: undefined })}`);
      log(
        `1: ratio ${results.phases.ingest.ratio} (section-only engine), ${results.phases.ingest.sameWork!.ratio} (same work); ` +
          `identical metrics: ${comparison.identical} / ${results.phases.ingest.sameWork!.comparison.identical}`,
      );
      if (process.env.BENCH_VARIANTS !== '0') {
        // The same consumer without raw_listings (TWS_RAW_LISTINGS=false): closer to the baseline's work,
        // which writes section metrics only. Not a target; it shows what the raw listings cost.
        log('1c: our metrics consumer, TWS_RAW_LISTINGS=false');
        const variant = await runPhase<IngestResults['ours']>('ingest-ours-noraw', 'ingest-ours.ts', {
          ...common,
          BENCH_GROUP: `${runId}-ours-noraw`,
          BENCH_OURS_ENV: JSON.stringify({ TWS_RAW_LISTINGS: 'false' }),
        });
        log(`1c: ${JSON.stringify({ lps: variant.listingsPerSecond, s: variant.seconds })}`);
        results.phases.ingest.oursWithoutRawListings = variant;
      }
    }

    if (only.has('api')) {
      results.phases.api = await runApiBench({ runId, spec, scale });
    }

    if (only.has('freshness')) {
      log('4: freshness');
      results.phases.freshness = await runPhase<FreshnessResults>('freshness', 'freshness.ts', {
        BENCH_PREFIX: `${runId}-fresh`,
        BENCH_SECONDS: String(scaled(60, 10, scale)),
        BENCH_RATE: '5',
      });
    }

    if (only.has('scraper')) {
      log('6: scraper');
      const { startSimulatedMarketplace } = await import('../producers/sources/simulated/server.ts');
      const sim = await startSimulatedMarketplace({ events: 20 });
      try {
        results.phases.scraper = await runPhase<ScraperResults>('scraper', 'scraper.ts', {
          BENCH_PREFIX: `${runId}-scrape`,
          BENCH_SIM_URL: sim.url,
          BENCH_SIM_PRODUCTIONS: JSON.stringify(
            sim.productions().map((p) => ({ id: p.productionId, startsAt: p.startsAt })),
          ),
          BENCH_SECONDS: String(scaled(15, 3, scale)),
        });
      } finally {
        await sim.close();
      }
    }

    if (only.has('sales')) {
      log('7: sales inference');
      results.phases.sales = await runPhase<SalesInferenceResults>('sales-inference', 'sales-inference.ts', {
        BENCH_PREFIX: `${runId}-sales`,
        BENCH_SALES_EVENTS: String(scaled(8, 2, scale)),
        BENCH_SALES_DAYS: String(scaled(3, 1, scale)),
      });
      log(
        `7: ${JSON.stringify({ listing: results.phases.sales.ours.listing, tickets: results.phases.sales.ours.tickets })}`,
      );
    }
  } finally {
    results.totalSeconds = round((performance.now() - t0) / 1000, 1);
    // The phases' topics: `<runId>.…` and the prefixes of their own (`<runId>-fresh.…`, `-scrape`, `-sales`).
    await deleteTopicsWhere(kafka, (t) => t.startsWith(`${runId}.`) || t.startsWith(`${runId}-`)).catch(() => {});
    rmSync(runTmp, { recursive: true, force: true });
    if (started.length) await stackDown({ log: (l: string) => log(`stack: ${l}`), only: started });
  }
  writeResults(results);
}

function writeResults(results: BenchResults): void {
  results.targets = evaluateTargets(results);
  const dir = resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(dir, `${stamp}.json`), json);
  writeFileSync(join(dir, 'latest.json'), json);
  const md = renderMarkdown(results);
  writeFileSync(join(dir, 'latest.md'), md);
  process.stdout.write(`\n${md}\n`);
  log(`results: bench/results/${stamp}.json, latest.json, latest.md (${results.totalSeconds} s in all)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
