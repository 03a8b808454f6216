// Shared settings of the benchmark: the scale knob, per-phase configuration on the shared stack
// (unique topic prefixes, consumer groups and chDB paths), peak-RSS probes and the machine line.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { loadConfig, type Config } from '../../lib/config.ts';

/** BENCH_SCALE in (0, 1]: shrinks data sets and durations for quick runs. Default 1 (the full run). */
export function benchScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SCALE;
  if (raw === undefined || raw === '') return 1;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || v > 1) throw new Error(`BENCH_SCALE must be in (0, 1], got "${raw}"`);
  return v;
}

/** `full` scaled by BENCH_SCALE, rounded, never below `min`. */
export const scaled = (full: number, min: number, scale = benchScale()): number =>
  Math.max(min, Math.round(full * scale));

export const uniqueId = (prefix: string): string => `${prefix}${randomBytes(3).toString('hex')}`;

/** A fresh directory under BENCH_TMP (the run's scratch folder, removed at its end) or the OS temp dir. */
export const tempDir = (name: string): string =>
  mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), `tws-bench-${name}-`));

/**
 * A Config for one phase: the shared stack's endpoints, a unique topic prefix and group, an own chDB
 * path. Everything else keeps the product defaults (batching, exactly-once, raw listings).
 */
export function benchConfig(phase: {
  prefix: string;
  group?: string;
  chdbPath?: string;
  env?: Record<string, string>;
}): Config {
  const { brokers, registryUrl } = stackEndpoints();
  const dir = phase.chdbPath ?? join(tempDir('cfg'), 'chdb');
  return loadConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? brokers,
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? registryUrl,
    TWS_TOPIC_PREFIX: phase.prefix,
    TWS_CONSUMER_GROUP: phase.group ?? `${phase.prefix}-metrics`,
    TWS_CHDB_PATH: dir,
    TWS_DATA_DIR: join(dir, '..'),
    TWS_LOG_LEVEL: 'warn',
    ...phase.env,
  });
}

/**
 * Peak resident set size of this process (VmHWM), in MiB. `resetPeakRss()` restarts the high-water
 * mark (Linux clear_refs 5), so one process can report the peak of each phase separately.
 */
export function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux: fall through
  }
  return Math.round(process.memoryUsage().rss / 1048576);
}

export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds (user + system) of this process, all threads (chDB's and librdkafka's included). */
export const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  chdb: string;
  clickhouse?: string;
  os: string;
  loadAverageAtStart: number[];
}

export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpu = m[1].trim();
  } catch {
    // keep os.cpus()
  }
  let chdb = 'unknown';
  try {
    chdb = (JSON.parse(readFileSync('node_modules/chdb/package.json', 'utf8')) as { version: string }).version;
  } catch {
    // not installed next to the working directory
  }
  let os = `${process.platform} ${process.arch}`;
  try {
    os = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // keep platform
  }
  return {
    cpu,
    cores: cpus().length,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chdb,
    os,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
