// The pipeline's roles as separate processes (`tws <role>`, bin/tws.mjs through tsx) with nothing of
// this process's environment but PATH and HOME, and a store of the test's own on the same server.
import { createStore, type Store } from '../../../lib/clickhouse/store.ts';
import { loadConfig } from '../../../lib/config.ts';
import { tws, twsLongRunning, type CliResult, type LongRunning } from '../../support/cli.ts';

export type RoleEnv = Record<string, string>;

function isolated(env: RoleEnv): NodeJS.ProcessEnv {
  const keep = Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR'].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])),
  );
  return { ...keep, ...env };
}

/** A long-running role (`api`, `consume --only metrics`, …) until stopped. */
export const startRole = (args: string[], env: RoleEnv): LongRunning => twsLongRunning(args, isolated(env));

/** A one-shot command (`migrate`, …) to its exit. */
export const runTws = (args: string[], env: RoleEnv, timeoutMs = 120_000): Promise<CliResult> =>
  tws(args, isolated(env), timeoutMs);

/** The test's own view of the server a role environment points at. */
export const storeFor = (env: RoleEnv): Promise<Store> => createStore(loadConfig(env).clickhouse);

/** On a cluster, a read on one replica sees rows written through another once it has fetched them. */
export { syncReplica } from '../../../lib/clickhouse/replica-sync.ts';
