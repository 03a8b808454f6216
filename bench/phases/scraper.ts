// Phase 6: scraper overhead. ScrapeWorker.handle() called directly in a loop, TWS_SCRAPE_CONCURRENCY
// at a time (as the worker's consumer would), against the simulated marketplace (served by the
// orchestrator process, answering at once) with the rate limit at its maximum: fetch, parse, publish
// the snapshot (Avro, acks=all) and the outcome. Snapshots per second through worker + producer.
import { randomUUID } from 'node:crypto';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, deleteTopicsWithPrefix, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ScrapeRequest } from '../../lib/model.ts';
import { ScrapeWorker } from '../../producers/worker.ts';
import { buildSources } from '../../bin/sources.ts';
import { phaseMain } from '../lib/child.ts';
import { benchConfig, cpuSeconds, peakRssMiB } from '../lib/env.ts';
import { round, summarize } from '../lib/stats.ts';

// The configuration schema caps the limit at 100,000 requests per minute (TWS_RATE_LIMIT_PER_MINUTE).
const RATE_LIMIT = '100000';

phaseMain(async () => {
  const prefix = process.env.BENCH_PREFIX ?? 'bench-scrape';
  const simUrl = process.env.BENCH_SIM_URL!;
  const productions = JSON.parse(process.env.BENCH_SIM_PRODUCTIONS ?? '[]') as Array<{ id: string; startsAt: number }>;
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  const config = benchConfig({
    prefix,
    env: { TWS_RATE_LIMIT_PER_MINUTE: RATE_LIMIT, TWS_SOURCE_BASE_URL: simUrl },
  });
  const kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka, [
    'snapshots',
    'scrapeOutcomes',
    'scrapeLogs',
    'scrapeRequests',
    'deadLetter',
  ]);
  const producer = new AvroProducer(kafka, config, [
    'snapshots',
    'scrapeOutcomes',
    'scrapeLogs',
    'scrapeRequests',
    'deadLetter',
  ]);
  await producer.start();
  const worker = new ScrapeWorker({
    kafka,
    config,
    producer,
    sources: await buildSources(config, { simUrl }),
    log: silentLogger,
  });
  const request = (i: number): ScrapeRequest => {
    const p = productions[i % productions.length]!;
    const now = Date.now();
    return {
      job_id: randomUUID(),
      event_id: `bench-sim-${p.id}`,
      source: 'simulated',
      source_event_id: p.id,
      event_starts_at: p.startsAt,
      requested_at: now,
      deadline_at: now + 3_600_000,
    };
  };
  // Warm-up (connections, JIT, the market's listing pools), not measured.
  for (let i = 0; i < productions.length; i++) await worker.handle(request(i));

  const concurrency = config.source.concurrency;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let listings = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const s = performance.now();
        const outcome = await worker.handle(request(next++));
        latencies.push(performance.now() - s);
        if (outcome?.status === 'ok') {
          ok++;
          listings += outcome.listings;
        } else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0);
  const peakRss = peakRssMiB();
  await producer.stop();
  await deleteTopicsWithPrefix(kafka, prefix).catch(() => {});
  return {
    concurrency,
    rateLimitPerMinute: Number(RATE_LIMIT),
    productions: productions.length,
    seconds: round(elapsed),
    snapshots: ok,
    failed,
    snapshotsPerSecond: round(ok / elapsed, 1),
    listingsPerSnapshot: ok ? round(listings / ok, 1) : 0,
    scrapeMs: summarize(latencies),
    cpuMsPerSnapshot: ok ? round((cpu * 1000) / ok) : 0,
    peakRssMiB: peakRss,
  };
});
