// Vitest global setup: bring the local stack up for the run and take down what this run started.
// TWS_TEST_STACK=external skips both (for a stack managed elsewhere, e.g. compose).
import { stackDown, stackUp } from '../../deploy/stack/stack.mjs';

let started: string[] = [];

export async function setup(): Promise<void> {
  if (process.env.TWS_TEST_STACK === 'external') return;
  const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
  started = await stackUp({ log });
}

export async function teardown(): Promise<void> {
  if (started.length === 0) return;
  await stackDown({ log: (line: string) => process.stderr.write(`[stack] ${line}\n`), only: started });
}
