// The results file's shape and its markdown rendering (bench/results/latest.md, and the README's
// Benchmarks section), with the issue's targets marked met or missed.
import type { ApiResults } from './api-bench.ts';
import { ENDPOINTS } from './api-shape.ts';
import type { Comparison } from './compare.ts';
import type { MachineInfo } from './env.ts';
import type { LatencySummary } from './stats.ts';
import { salesMarkdown } from './sales-report.ts';
import type { SalesInferenceResults } from './sales-score.ts';

export interface IngestRun {
  snapshots: number;
  listings: number;
  seconds: number;
  listingsPerSecond: number;
  snapshotsPerSecond: number;
  steady: { seconds: number; listingsPerSecond: number | null };
  cpuSeconds: number;
  cpuMsPer1000Listings: number;
  peakRssMiB: number;
  [more: string]: unknown;
}

export interface IngestResults {
  ours: IngestRun;
  native: IngestRun & { format: string; settings: Record<string, unknown> };
  /** Variant: the same consumer with TWS_RAW_LISTINGS=false. */
  oursWithoutRawListings?: IngestRun;
  /** Listings/s, ours ÷ the section-only engine baseline. */
  ratio: number;
  comparison: Comparison;
  /** The Kafka engine feeding the same ingest views: the same tables, without exactly-once. */
  sameWork?: { native: IngestRun & { format: string }; ratio: number; cpuRatio: number; comparison: Comparison };
  /** The lifecycle consumer (its own group) over the same records: not part of the ingest target. */
  lifecycle?: IngestRun;
}

export interface FreshnessResults {
  rate: number;
  seconds: number;
  snapshots: number;
  visible: number;
  unseen: number;
  pollIntervalMs: number;
  freshnessMs: LatencySummary;
  produceAckMs: LatencySummary;
  batchMaxSnapshots: number;
  peakRssMiB: number;
  [more: string]: unknown;
}

export interface ScraperResults {
  concurrency: number;
  rateLimitPerMinute: number;
  seconds: number;
  snapshots: number;
  failed: number;
  snapshotsPerSecond: number;
  listingsPerSnapshot: number;
  scrapeMs: LatencySummary;
  cpuMsPerSnapshot: number;
  peakRssMiB: number;
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  met: boolean;
}

export interface BenchResults {
  startedAt: string;
  scale: number;
  machine: MachineInfo;
  dataset?: Record<string, unknown> & { snapshots: number; listingsPerSnapshot: number; events: number };
  phases: {
    ingest?: IngestResults;
    api?: ApiResults;
    freshness?: FreshnessResults;
    scraper?: ScraperResults;
    sales?: SalesInferenceResults;
  };
  targets?: Target[];
  totalSeconds?: number;
}

const n = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '–'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const machineLine = (m: MachineInfo): string =>
  `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}, Node ${m.node}, chDB ${m.chdb}` +
  (m.clickhouse ? ` (ClickHouse ${m.clickhouse})` : '') +
  (m.loadAverageAtStart.length ? `; load average at start ${m.loadAverageAtStart.join(' / ')}` : '');

export function evaluateTargets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const ingest = r.phases.ingest;
  if (ingest?.sameWork) {
    const sw = ingest.sameWork;
    out.push(
      {
        name: 'Ingest vs the Kafka engine doing the same work',
        goal: '≥ 1.0×',
        value: `${n(sw.ratio, 2)}×`,
        met: sw.ratio >= 1,
      },
      {
        name: 'Consumer CPU per 1,000 listings vs the engine’s (same work)',
        goal: '≤ 2×',
        value: `${n(sw.cpuRatio, 2)}× (${n(ingest.ours.cpuMsPer1000Listings, 1)} vs ${n(sw.native.cpuMsPer1000Listings, 1)} ms)`,
        met: sw.cpuRatio <= 2,
      },
      {
        name: 'Same metric values as the baselines',
        goal: 'every compared row',
        value: `${sw.comparison.identical && ingest.comparison.identical ? 'yes' : 'no'} (${n(sw.comparison.compared)} + ${n(ingest.comparison.compared)} rows)`,
        met: sw.comparison.identical && ingest.comparison.identical,
      },
    );
  } else if (ingest) {
    out.push({
      name: 'Consumer throughput vs Kafka engine',
      goal: '≥ 1.0×',
      value: `${n(ingest.ratio, 2)}×`,
      met: ingest.ratio >= 1,
    });
  }
  const api = r.phases.api;
  if (api) {
    const worstFloor = Math.max(...ENDPOINTS.map((e) => api.ratios[e].p99VsFloor));
    out.push({
      name: 'API p99 vs direct-query floor (idle), worst endpoint',
      goal: '≤ 1.5×',
      value: `${n(worstFloor, 2)}×`,
      met: worstFloor <= 1.5,
    });
    const worstPlain = Math.max(...ENDPOINTS.map((e) => api.ratios[e].p99VsPlainFloor));
    out.push({
      name: 'Trend p99 vs plain-table floor (idle), worst endpoint',
      goal: '≤ 2×',
      value: `${n(worstPlain, 2)}×`,
      met: worstPlain <= 2,
    });
    if (ENDPOINTS.every((e) => api.underIngest[e])) {
      const worstIngest = Math.max(...ENDPOINTS.map((e) => api.ratios[e].p99UnderIngestVsIdle));
      out.push({
        name: 'API p99 under full ingest vs idle, worst endpoint',
        goal: '≤ 2×',
        value: `${n(worstIngest, 2)}×`,
        met: worstIngest <= 2,
      });
    }
  }
  const fresh = r.phases.freshness;
  if (fresh) {
    const p99 = fresh.freshnessMs.p99 / 1000;
    out.push({
      name: 'Freshness p99 (default batching)',
      goal: '≤ 5 s',
      value: `${n(p99, 2)} s`,
      met: p99 <= 5 && fresh.unseen === 0,
    });
  }
  return out;
}

/** The API against the second floor (the same rows from a plain table of finalized values), and where a request's time goes. */
function plainFloorSection(api: ApiResults): string[] {
  const lines = [
    'Against the plain floor: the same rows read from a plain MergeTree table of finalized values (one part, no ' +
      'aggregate states, no view, no join; bench/lib/plain-floor.ts), as many at a time. CPU counts every thread of the ' +
      'API process (chDB included).',
    '',
    '| Endpoint | API p50 / p99 (ms) | API CPU ms per request | Plain floor p50 / p99 (ms) | CPU ms per query | p99 vs plain floor |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of ENDPOINTS) {
    const i = api.idle[e];
    const f = api.plainFloor[e];
    lines.push(
      `| ${e} | ${n(i.p50)} / ${n(i.p99)} | ${n(i.apiProcess?.cpuMsPerRequest, 1)} | ${n(f.latency.p50, 1)} / ${n(f.latency.p99, 1)} | ` +
        `${n(f.cpuMsPerQuery, 1)} | ${n(api.ratios[e].p99VsPlainFloor, 2)}× |`,
    );
  }
  lines.push(
    '',
    'One request, part by part (one call at a time):',
    '',
    '| Part | p50 (ms) | CPU ms per call |',
    '| --- | ---: | ---: |',
  );
  for (const [part, a] of Object.entries(api.anatomy))
    lines.push(`| ${part} | ${n(a.p50, 1)} | ${n(a.cpuMsPerCall, 1)} |`);
  lines.push('');
  return lines;
}

export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    `Run of ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, BENCH_SCALE=${r.scale}, ${n(r.totalSeconds)} s in all.`,
    '',
    `Machine: ${machineLine(r.machine)}.`,
    '',
  );
  const targets = r.targets ?? evaluateTargets(r);
  if (targets.length) {
    push('| Target | Goal | Measured | |', '| --- | --- | --- | --- |');
    for (const t of targets) push(`| ${t.name} | ${t.goal} | ${t.value} | ${t.met ? 'met' : '**missed**'} |`);
    push('');
  }

  const ingest = r.phases.ingest;
  const d = r.dataset;
  if (ingest && d) {
    const { ours, native } = ingest;
    const v = ingest.oursWithoutRawListings;
    push(
      `**1. Ingest** of ${n(d.snapshots)} snapshots × ${d.listingsPerSnapshot} listings (${n(ours.listings)} listings, ` +
        `${d.events} events) from the broker into a fresh embedded chDB.`,
      '',
      `| | Our metrics consumer (exactly-once, all tables) | Kafka engine + materialized view (${native.format}) | Ours / engine |${v ? ' Ours without raw_listings |' : ''}`,
      `| --- | ---: | ---: | ---: |${v ? ' ---: |' : ''}`,
      `| Listings/s, start to last row | ${n(ours.listingsPerSecond)} | ${n(native.listingsPerSecond)} | ${n(ingest.ratio, 2)}× |${v ? ` ${n(v.listingsPerSecond)} (${n(v.listingsPerSecond / native.listingsPerSecond, 2)}×) |` : ''}`,
      `| Listings/s, first row to last row | ${n(ours.steady.listingsPerSecond)} | ${n(native.steady.listingsPerSecond)} | ${
        ours.steady.listingsPerSecond && native.steady.listingsPerSecond
          ? `${n(ours.steady.listingsPerSecond / native.steady.listingsPerSecond, 2)}×`
          : '–'
      } |${v ? ` ${n(v.steady.listingsPerSecond)} |` : ''}`,
      `| Seconds | ${n(ours.seconds, 1)} | ${n(native.seconds, 1)} | |${v ? ` ${n(v.seconds, 1)} |` : ''}`,
      `| CPU ms per 1,000 listings (whole process) | ${n(ours.cpuMsPer1000Listings, 1)} | ${n(native.cpuMsPer1000Listings, 1)} | ${n(ours.cpuMsPer1000Listings / native.cpuMsPer1000Listings, 1)}× |${v ? ` ${n(v.cpuMsPer1000Listings, 1)} |` : ''}`,
      `| Peak RSS (MiB) | ${n(ours.peakRssMiB)} | ${n(native.peakRssMiB)} | |${v ? ` ${n(v.peakRssMiB)} |` : ''}`,
      '',
    );
    const sw = ingest.sameWork;
    if (sw) {
      push(
        `Against the Kafka engine feeding **the same ingest views** (1d: the same tables, at-least-once, no duplicate drops, ` +
          `no dead-lettering, no side outputs): ${n(sw.native.listingsPerSecond)} listings/s, ` +
          `${n(sw.native.cpuMsPer1000Listings, 1)} CPU ms per 1,000 listings, peak RSS ${n(sw.native.peakRssMiB)} MiB: ` +
          `ours is **${n(sw.ratio, 2)}×** its throughput at **${n(sw.cpuRatio, 2)}×** its CPU per listing. ` +
          `Same values on ${n(sw.comparison.compared)} section and zone rows, ${sw.comparison.fields.length} metrics each: ` +
          `**${sw.comparison.identical ? 'yes' : 'no'}**.`,
        '',
      );
    }
    const lc = ingest.lifecycle;
    if (lc) {
      push(
        `The **lifecycle consumer** (1e: its own consumer group over the same records, writing the listing ` +
          `lifecycle; not part of the ingest target): ${n(lc.listingsPerSecond)} listings/s in ${n(lc.seconds, 1)} s, ` +
          `${n(lc.cpuMsPer1000Listings, 1)} CPU ms per 1,000 listings, peak RSS ${n(lc.peakRssMiB)} MiB.`,
        '',
      );
    }
    const c = ingest.comparison;
    const bad = Object.entries(c.mismatches)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k}: ${v}`);
    push(
      `Same metric values: **${c.identical ? 'yes' : 'no'}**: ${n(c.compared)} (snapshot, zone, section) rows compared on ` +
        'lowest, highest and average all-in price, tickets and listings' +
        (c.identical
          ? '; every value equal.'
          : ` (only in ours ${c.onlyInOurs}, only in the baseline ${c.onlyInNative}; mismatches ${bad.join(', ') || 'none'}).`),
      '',
    );
  }

  const api = r.phases.api;
  if (api) {
    const s = api.shape;
    push(
      `**2–3. API latency**: ${s.events} events × ${s.zones} zones × ${n(s.hours)} hourly rollups (one year), ` +
        `the last 7 days hourly per request; autocannon, ${api.connections} connections, ${api.secondsPerRun} s per run. ` +
        'The floor is the same SQL (api/queries/trends.ts) on the same store connection, as many at a time.',
      '',
      '| Endpoint | API idle p50 / p99 (ms) | req/s | Floor p50 / p99 (ms) | q/s | p99 vs floor | Under ingest p50 / p99 (ms) | req/s | p99 vs idle |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const e of ENDPOINTS) {
      const i = api.idle[e];
      const f = api.floor[e];
      const u = api.underIngest[e];
      push(
        `| ${e} | ${n(i.p50)} / ${n(i.p99)} | ${n(i.requestsPerSecond)} | ${n(f.latency.p50, 1)} / ${n(f.latency.p99, 1)} | ` +
          `${n(f.perSecond)} | ${n(api.ratios[e].p99VsFloor, 2)}× | ${n(u?.p50)} / ${n(u?.p99)} | ${n(u?.requestsPerSecond)} | ` +
          `${n(api.ratios[e].p99UnderIngestVsIdle, 2)}× |`,
      );
    }
    const ing = api.ingestDuringRuns as { listingsPerSecond?: number; seconds?: number };
    push(
      '',
      `Ingest meanwhile (same process): ${n(ing.listingsPerSecond)} listings/s over ${n(ing.seconds, 1)} s.`,
      '',
    );
    if (api.plainFloor) push(...plainFloorSection(api));
  }

  const fresh = r.phases.freshness;
  if (fresh) {
    push(
      `**4. Freshness**, scrape to visible in \`GET /v1/events/{id}/zones\`, ${fresh.rate} snapshots/s for ${fresh.seconds} s ` +
        `(consumers and API in one process, default batching, polled every ${fresh.pollIntervalMs} ms): ` +
        `p50 ${n(fresh.freshnessMs.p50)} ms, p99 ${n(fresh.freshnessMs.p99)} ms, max ${n(fresh.freshnessMs.max)} ms ` +
        `(${fresh.visible}/${fresh.snapshots} seen; producer ack p50 ${n(fresh.produceAckMs.p50)} ms).`,
      '',
    );
  }

  const rows: string[] = [];
  if (ingest) {
    rows.push(`| Metrics consumer (1a) | ${n(ingest.ours.peakRssMiB)} |`);
    rows.push(`| Kafka-engine baseline (1b) | ${n(ingest.native.peakRssMiB)} |`);
  }
  if (api) {
    rows.push(`| API, idle (2) | ${n(api.peakRssMiB.idle)} |`);
    rows.push(`| API + consumers, under ingest (3) | ${n(api.peakRssMiB.underIngest)} |`);
  }
  if (fresh) rows.push(`| Consumers + API at 5 snapshots/s (4) | ${n(fresh.peakRssMiB)} |`);
  if (rows.length)
    push('**5. Memory**, peak RSS per process:', '', '| Process | Peak RSS (MiB) |', '| --- | ---: |', ...rows, '');

  const sc = r.phases.scraper;
  if (sc) {
    push(
      `**6. Scraper**: ${n(sc.snapshotsPerSecond, 1)} snapshots/s (${n(sc.listingsPerSnapshot)} listings each) through ` +
        `ScrapeWorker.handle + the Avro producer, ${sc.concurrency} at a time, simulated marketplace answering at once, ` +
        `rate limit ${n(sc.rateLimitPerMinute)}/min; scrape p50 ${n(sc.scrapeMs.p50, 1)} ms, p99 ${n(sc.scrapeMs.p99, 1)} ms; ` +
        `${n(sc.cpuMsPerSnapshot, 1)} CPU ms per snapshot${sc.failed ? `; ${sc.failed} failed` : ''}.`,
      '',
    );
  }
  if (r.phases.sales) push(...salesMarkdown(r.phases.sales));
  return `${lines.join('\n').trimEnd()}\n`;
}
