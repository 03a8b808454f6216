// Global setup of `npm run test:server`: without a Docker engine it prints one line and every test
// of the suite skips; with one it starts Kafka, the registry and a ClickHouse server for the run
// (./support/containers.ts) and hands their addresses to the test files.
import type { TestProject } from 'vitest/node';
import { startSuiteEnvironment } from './support/containers.ts';
import { findDocker } from './support/docker.ts';
import { skipLine, type ServerEndpoints } from './support/specs.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** null: no Docker engine here, the suite skips. */
    twsServer: ServerEndpoints | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const docker = await findDocker();
  if (!docker.ok) {
    process.stdout.write(`${skipLine(docker.reason)}\n`);
    project.provide('twsServer', null);
    return undefined;
  }
  const env = await startSuiteEnvironment();
  project.provide('twsServer', env.endpoints);
  return () => env.stop();
}
