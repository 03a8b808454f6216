// The figures of each scenario, written to test-artifacts/chaos-results.json as the suite runs; the
// global setup (test/chaos/setup.ts) starts the file and stamps the wall time at the end, and
// test/chaos/report.ts renders docs/reliability.md from it. A scenario records its figures before
// its assertions, so a failing run still says what it saw.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProfileName } from './profile.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The results of the last finished run, what test/chaos/report.ts reads. */
export const RESULTS_FILE = process.env.TWS_CHAOS_RESULTS ?? join(REPO_ROOT, 'test-artifacts', 'chaos-results.json');
/** This run's own file (set by the global setup), so that two runs at once do not mix their results. */
export const runFile = (): string => process.env.TWS_CHAOS_RUN_FILE ?? RESULTS_FILE;

export interface ScenarioResult {
  id: string;
  /** Scenario number in the issue (1-7), for ordering. */
  order: number;
  title: string;
  passed: boolean;
  /** Names of the failed tests, with the first line of their error. */
  failures: string[];
  recordsIn: number | null;
  recordsOut: number | null;
  lost: number | null;
  duplicated: number | null;
  recoveryMs: number | null;
  /** What the recovery time measures in this scenario. */
  recoveryWhat: string;
  peakRssMb: number | null;
  /** Which process the RSS is of. */
  rssWhat: string;
  durationMs: number;
  /** What the records are (snapshots, scrape requests, poison records, requests...). */
  unit: string;
  details: Record<string, unknown>;
  finishedAt: string;
}

export interface ResultsFile {
  runId: string;
  profile: ProfileName;
  startedAt: string;
  finishedAt?: string;
  wallMs?: number;
  host: { cpus: number; memoryGiB: number; node: string; platform: string };
  scenarios: Record<string, ScenarioResult>;
}

export function readResults(file = RESULTS_FILE): ResultsFile | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
}

export function writeResults(data: ResultsFile, file = RESULTS_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(tmp, file);
}

/** One scenario's record: fill it as the scenario runs, `save()` it in afterAll. */
export class Scenario {
  private readonly t0 = Date.now();
  private tests = 0;
  readonly result: Omit<ScenarioResult, 'passed' | 'durationMs' | 'finishedAt'>;

  constructor(id: string, order: number, title: string, unit: string) {
    this.result = {
      id,
      order,
      title,
      unit,
      failures: [],
      recordsIn: null,
      recordsOut: null,
      lost: null,
      duplicated: null,
      recoveryMs: null,
      recoveryWhat: '',
      peakRssMb: null,
      rssWhat: '',
      details: {},
    };
  }

  set(fields: Partial<Omit<ScenarioResult, 'id' | 'order' | 'title' | 'details' | 'failures'>>): void {
    Object.assign(this.result, fields);
  }

  detail(key: string, value: unknown): void {
    this.result.details[key] = value;
  }

  /** Call from beforeEach: counts the test and notes it when it fails. */
  track(ctx: {
    task: { name: string };
    onTestFailed: (fn: (c: { task: { result?: { errors?: Array<{ message?: string }> } } }) => void) => void;
  }): void {
    this.tests++;
    const name = ctx.task.name;
    ctx.onTestFailed((c) => {
      const msg = c.task.result?.errors?.[0]?.message?.split('\n')[0] ?? 'failed';
      this.result.failures.push(`${name}: ${msg}`.slice(0, 400));
    });
  }

  save(): void {
    const file = runFile();
    const data = readResults(file) ?? newResultsFile();
    data.scenarios[this.result.id] = {
      ...this.result,
      passed: this.tests > 0 && this.result.failures.length === 0,
      durationMs: Date.now() - this.t0,
      finishedAt: new Date().toISOString(),
    };
    writeResults(data, file);
  }
}

export function newResultsFile(profileName: ProfileName = (process.env.TWS_CHAOS_PROFILE as ProfileName) ?? 'full') {
  return {
    runId: `${new Date().toISOString()}-${process.pid}`,
    profile: profileName === 'short' ? 'short' : 'full',
    startedAt: new Date().toISOString(),
    host: hostInfo(),
    scenarios: {},
  } satisfies ResultsFile as ResultsFile;
}

function hostInfo(): ResultsFile['host'] {
  return {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
