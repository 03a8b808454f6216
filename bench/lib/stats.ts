// Small numeric helpers: percentiles of raw samples, rounding, and a concurrency-limited timing loop
// (the "floor" of the API latency: the same SQL called directly, as many at a time as autocannon's
// connections).

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
    mean: round(mean),
  };
}

export const round = (x: number, digits = 2): number => {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export interface LoopResult {
  latency: LatencySummary;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
}

/** Runs `fn(i)` with `concurrency` callers for `seconds`, timing each call (ms). */
export async function timedLoop(
  fn: (i: number) => Promise<unknown>,
  opts: { concurrency: number; seconds: number },
): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const s = performance.now();
      try {
        await fn(i);
        latencies.push(performance.now() - s);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return {
    latency: summarize(latencies),
    requests: latencies.length,
    errors,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds, 1),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
