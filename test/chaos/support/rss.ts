// Resident memory of processes, read from /proc once a second (or at any interval).
import { readFileSync } from 'node:fs';

/** VmRSS of a process in MiB, undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSample {
  /** ms since the sampler started. */
  t: number;
  mb: number;
}

/** Samples named processes; a name may point at a new pid over time (a restarted child). */
export class RssSampler {
  /** The sampler's clock starts here (epoch ms): sample times and mean() windows are ms since t0. */
  readonly t0 = Date.now();
  private readonly pids = new Map<string, () => number | undefined>();
  readonly samples = new Map<string, RssSample[]>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly intervalMs = 1_000) {}

  watch(name: string, pid: () => number | undefined): this {
    this.pids.set(name, pid);
    if (!this.samples.has(name)) this.samples.set(name, []);
    return this;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    const t = Date.now() - this.t0;
    for (const [name, pid] of this.pids) {
      const p = pid();
      const mb = p === undefined ? undefined : rssMb(p);
      if (mb !== undefined) this.samples.get(name)!.push({ t, mb });
    }
  }

  peak(name?: string): number | null {
    const lists = name ? [this.samples.get(name) ?? []] : [...this.samples.values()];
    let peak: number | null = null;
    for (const list of lists) for (const s of list) peak = peak === null ? s.mb : Math.max(peak, s.mb);
    return peak === null ? null : Math.round(peak);
  }

  /** Mean RSS of the samples taken in [fromMs, toMs). */
  mean(name: string, fromMs: number, toMs: number): number | null {
    const xs = (this.samples.get(name) ?? []).filter((s) => s.t >= fromMs && s.t < toMs).map((s) => s.mb);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  }
}
