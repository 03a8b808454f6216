// Phases 2, 3 and 5, orchestrator side: autocannon (in this process) against the API served by the
// `api` phase process, the two floors measured inside that process (our trend SQL called directly,
// and the same rows from a plain table of finalized values), then the same autocannon runs while
// the consumers ingest in the API's process (skipped with BENCH_API_INGEST=0).
import autocannon from 'autocannon';
import { ENDPOINTS, pick, type ApiDataShape, type Endpoint } from './api-shape.ts';
import { PhaseProcess } from './child.ts';
import type { DatasetSpec } from './dataset.ts';
import { listingsPerSnapshot } from './dataset.ts';
import { scaled } from './env.ts';
import { round, type LoopResult } from './stats.ts';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Phase 3 (the API under ingest) runs unless BENCH_API_INGEST=0; without it the API phase needs no data set. */
export const apiUnderIngest = (env: NodeJS.ProcessEnv = process.env): boolean => env.BENCH_API_INGEST !== '0';

export interface ProcessLoad {
  /** Share of the run the API process's event loop was busy (0–1). */
  eventLoopUtilization: number;
  /** CPU of the API process (all threads, chDB's included) per request, ms. */
  cpuMsPerRequest: number;
  /** Event-loop delay of the API process during the run (p99 and max, ms): JavaScript that held it. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Garbage-collection pauses during the run: their sum and the longest (ms). */
  gcMs: number;
  gcMaxMs: number;
}

export interface HttpRun {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  apiProcess?: ProcessLoad;
}

export interface ApiResults {
  shape: ApiDataShape;
  loadSeconds: Record<string, number>;
  connections: number;
  secondsPerRun: number;
  idle: Record<Endpoint, HttpRun>;
  floor: Record<Endpoint, FloorRun>;
  /** The second floor: the same rows from a plain table of finalized values (bench/lib/plain-floor.ts). */
  plainFloor: Record<Endpoint, FloorRun>;
  /** The parts of one trend request, each timed alone (concurrency 1), with CPU per call. */
  anatomy: Record<string, { p50: number; p99: number; perSecond: number; cpuMsPerCall?: number }>;
  /** Empty with BENCH_API_INGEST=0. */
  underIngest: Partial<Record<Endpoint, HttpRun>>;
  ingestDuringRuns: Record<string, unknown>;
  /** API p99 / floor p99 and / plain floor p99 (idle), and under-ingest p99 / idle p99, per endpoint. */
  ratios: Record<
    Endpoint,
    { p99VsFloor: number; p50VsFloor: number; p99VsPlainFloor: number; p99UnderIngestVsIdle: number }
  >;
  peakRssMiB: { idle: number; underIngest: number };
  /** Set when the API process ended abnormally after its measurements (exit code or signal). */
  processExit?: string;
}

/** A floor run, with the API process's CPU per query (all threads, chDB's included). */
export type FloorRun = LoopResult & { cpuMsPerQuery?: number };

const iso = (ms: number) => new Date(ms).toISOString();

async function floorRun(phase: PhaseProcess, cmd: 'floor' | 'floor-plain', args: Record<string, unknown>) {
  await phase.request('mark');
  const r = await phase.request<LoopResult>(cmd, args);
  const load = await phase.request<{ cpuSeconds: number }>('mark');
  return { ...r, cpuMsPerQuery: r.requests ? round((load.cpuSeconds * 1000) / r.requests) : NaN };
}

async function measured(phase: PhaseProcess, run: () => Promise<HttpRun>): Promise<HttpRun> {
  await phase.request('mark');
  const r = await run();
  const load = await phase.request<{
    eventLoopUtilization: number;
    cpuSeconds: number;
    loopDelayP99Ms: number;
    loopDelayMaxMs: number;
    gcMs: number;
    gcMaxMs: number;
  }>('mark');
  r.apiProcess = {
    eventLoopUtilization: load.eventLoopUtilization,
    cpuMsPerRequest: r.requests ? round((load.cpuSeconds * 1000) / r.requests) : NaN,
    loopDelayP99Ms: load.loopDelayP99Ms,
    loopDelayMaxMs: load.loopDelayMaxMs,
    gcMs: load.gcMs,
    gcMaxMs: load.gcMaxMs,
  };
  return r;
}

async function cannon(port: number, endpoint: Endpoint, shape: ApiDataShape, connections: number, seconds: number) {
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const { event, zone } = pick(i++, shape);
          const q = new URLSearchParams({ zone, granularity: 'hourly', from: iso(shape.from), to: iso(shape.to) });
          return { ...req, path: `/v1/events/${encodeURIComponent(event)}/${endpoint}?${q}` };
        },
      },
    ],
  });
  // No answer within the run: no latency to report (NaN is written as null).
  const none = result.requests.total === 0;
  const run: HttpRun = {
    p50: none ? NaN : result.latency.p50,
    p90: none ? NaN : result.latency.p90,
    p99: none ? NaN : result.latency.p99,
    max: none ? NaN : result.latency.max,
    mean: round(result.latency.average),
    requestsPerSecond: round(result.requests.average, 1),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
  };
  if (none) log(`2: ${endpoint}: no answer within ${seconds} s`);
  if (run.non2xx > 0 || run.errors > 0) log(`2: ${endpoint}: ${run.non2xx} non-2xx answers, ${run.errors} errors`);
  return run;
}

export async function runApiBench(run: { runId: string; spec: DatasetSpec; scale: number }): Promise<ApiResults> {
  const connections = 10;
  // 20 s per run: at ~60-110 requests a second, p99 rests on 12-22 requests, not on a single outlier.
  const seconds = scaled(20, 2, run.scale);
  const withIngest = apiUnderIngest();
  const phase = new PhaseProcess('api', 'api.ts', {
    BENCH_PREFIX: run.runId,
    BENCH_API_EVENTS: String(Number(process.env.BENCH_API_EVENTS ?? scaled(100, 5, run.scale))),
    BENCH_SNAPSHOTS: String(run.spec.snapshots),
    BENCH_LISTINGS: String(listingsPerSnapshot(run.spec)),
  });
  try {
    log('2: loading a year of hourly rollups into the API process');
    const ready = await phase.event<{ port: number; shape: ApiDataShape; loadSeconds: Record<string, number> }>(
      'ready',
    );
    const { port, shape } = ready;
    // One short warm-up per endpoint (JIT, caches of the engine), not measured.
    for (const e of ENDPOINTS) await cannon(port, e, shape, connections, 1);

    const idle = {} as Record<Endpoint, HttpRun>;
    for (const e of ENDPOINTS) {
      idle[e] = await measured(phase, () => cannon(port, e, shape, connections, seconds));
      log(
        `2: idle ${e}: p50 ${idle[e].p50} ms, p99 ${idle[e].p99} ms, ${idle[e].requestsPerSecond} req/s, ${JSON.stringify(idle[e].apiProcess)}`,
      );
    }
    const floor = {} as Record<Endpoint, FloorRun>;
    const plainFloor = {} as Record<Endpoint, FloorRun>;
    for (const e of ENDPOINTS) {
      floor[e] = await floorRun(phase, 'floor', { endpoint: e, seconds, connections });
      log(
        `2: floor ${e}: p50 ${floor[e].latency.p50} ms, p99 ${floor[e].latency.p99} ms, ${floor[e].perSecond}/s, ${floor[e].cpuMsPerQuery} CPU ms/query`,
      );
      plainFloor[e] = await floorRun(phase, 'floor-plain', { endpoint: e, seconds, connections });
      log(
        `2: plain floor ${e}: p50 ${plainFloor[e].latency.p50} ms, p99 ${plainFloor[e].latency.p99} ms, ${plainFloor[e].perSecond}/s, ${plainFloor[e].cpuMsPerQuery} CPU ms/query`,
      );
    }
    const anatomy = await phase.request<ApiResults['anatomy']>('anatomy', { seconds: Math.max(1, seconds / 5) });
    log(`2: one request's queries, alone: ${JSON.stringify(anatomy)}`);
    const idleRss = await phase.request<number>('rss-peak');

    const underIngest: ApiResults['underIngest'] = {};
    let ingestDuringRuns: Record<string, unknown> = {};
    let ingestRss = NaN;
    if (withIngest) {
      await phase.request('rss-reset');
      log('3: the consumers ingest in the API process');
      const started = await phase.request<Record<string, unknown>>('ingest-start', {
        group: `${run.runId}-api-ingest`,
      });
      for (const e of ENDPOINTS) {
        const r = await measured(phase, () => cannon(port, e, shape, connections, seconds));
        underIngest[e] = r;
        log(
          `3: under ingest ${e}: p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.requestsPerSecond} req/s, ${JSON.stringify(r.apiProcess)}`,
        );
      }
      const ingest = await phase.request<Record<string, unknown>>('ingest-stop');
      log(`3: ingested meanwhile: ${JSON.stringify(ingest)}`);
      ingestDuringRuns = { ...started, ...ingest };
      ingestRss = await phase.request<number>('rss-peak');
    } else log('3: skipped (BENCH_API_INGEST=0)');
    await phase.request('exit').catch(() => {});
    await phase.result;

    const ratios = {} as ApiResults['ratios'];
    for (const e of ENDPOINTS) {
      ratios[e] = {
        p99VsFloor: round(idle[e].p99 / floor[e].latency.p99),
        p50VsFloor: round(idle[e].p50 / floor[e].latency.p50),
        p99VsPlainFloor: round(idle[e].p99 / plainFloor[e].latency.p99),
        p99UnderIngestVsIdle: underIngest[e] ? round(underIngest[e].p99 / idle[e].p99) : NaN,
      };
    }
    return {
      shape,
      loadSeconds: ready.loadSeconds,
      connections,
      secondsPerRun: seconds,
      idle,
      floor,
      plainFloor,
      anatomy,
      underIngest,
      ingestDuringRuns,
      ratios,
      peakRssMiB: { idle: idleRss, underIngest: ingestRss },
      ...(phase.exitStatus ? { processExit: phase.exitStatus } : {}),
    };
  } finally {
    phase.kill();
  }
}
