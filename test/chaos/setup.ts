// Global setup of the chaos suite: a results file for this run (the scenarios add to it; it is
// this run's own, so that two runs at once do not mix), copied to test-artifacts/chaos-results.json
// with the run's wall time at the end. test/chaos/report.ts renders docs/reliability.md from it.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, RESULTS_FILE, newResultsFile, readResults, writeResults } from './support/results.ts';
import { profileName } from './support/profile.ts';

let t0 = 0;
let runFile = '';

export function setup(): void {
  t0 = Date.now();
  const data = newResultsFile(profileName());
  runFile = join(REPO_ROOT, 'test-artifacts', `chaos-run-${process.pid}.json`);
  // Inherited by the test processes, which are started after the global setup.
  process.env.TWS_CHAOS_RUN_FILE = runFile;
  writeResults(data, runFile);
  process.stderr.write(`[chaos] profile ${profileName()}, results in ${runFile}\n`);
}

export function teardown(): void {
  const data = readResults(runFile);
  if (!data) return;
  data.finishedAt = new Date().toISOString();
  data.wallMs = Date.now() - t0;
  writeResults(data, runFile);
  copyFileSync(runFile, RESULTS_FILE);
  rmSync(runFile, { force: true });
  const n = Object.keys(data.scenarios).length;
  process.stderr.write(`[chaos] ${n} scenario(s) in ${(data.wallMs / 1000).toFixed(0)} s: ${RESULTS_FILE}\n`);
}
