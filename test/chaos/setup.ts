// Global setup of the chaos suite: a fresh results file for this run (the scenarios add to it), and
// the run's wall time at the end. test/chaos/report.ts renders docs/reliability.md from the file.
import { newResultsFile, readResults, writeResults } from './support/results.ts';
import { profileName } from './support/profile.ts';

let t0 = 0;

export function setup(): void {
  t0 = Date.now();
  writeResults(newResultsFile(profileName()));
  process.stderr.write(`[chaos] profile ${profileName()}\n`);
}

export function teardown(): void {
  const data = readResults();
  if (!data) return;
  data.finishedAt = new Date().toISOString();
  data.wallMs = Date.now() - t0;
  writeResults(data);
  process.stderr.write(
    `[chaos] ${Object.keys(data.scenarios).length} scenario(s) in ${(data.wallMs / 1000).toFixed(0)} s\n`,
  );
}
