// The crash test of test/consumers/crash.test.ts against a ClickHouse server: the metrics consumer
// runs as `tws consume --only metrics` processes, SIGKILLed at random points, then once to the end;
// its tables must equal those of a run that was never killed. Progress and completion are read from
// ClickHouse (the offset ledger and the snapshots table), never waited for by time.
import type { Store } from '../../../lib/clickhouse/store.ts';
import { waitFor } from '../../support/pipeline.ts';
import { prng } from '../../support/stream.ts';
import { runTws, startRole, storeFor, syncReplica, type RoleEnv } from './roles.ts';

const DUMPED = [
  'snapshots',
  'zone_snapshots',
  'section_snapshots',
  'raw_listings',
  'zone_rollups_hourly',
  'zone_rollups_daily',
];

export interface Run {
  /** The role environment of each life (a cluster run alternates replicas). */
  envFor(life: number): RoleEnv;
  group: string;
  /** Distinct snapshots on the topic. */
  expected: number;
}

async function ledgerVersion(store: Store, group: string): Promise<number> {
  await syncReplica(store, ['sink_offsets']);
  const [row] = await store.query<{ v: number }>(
    'SELECT max(version) AS v FROM sink_offsets WHERE consumer_group = {g:String}',
    { g: group },
  );
  return Number(row?.v ?? 0);
}

/** Every distinct snapshot written, and no range left half-done in the ledger. */
async function done(store: Store, run: Run): Promise<boolean> {
  await syncReplica(store, ['sink_offsets', 'snapshots']);
  const [s] = await store.query<{ n: number }>('SELECT count() AS n FROM snapshots');
  const [l] = await store.query<{ open: number }>(
    "SELECT countIf(phase = 'before') AS open FROM sink_offsets FINAL WHERE consumer_group = {g:String}",
    { g: run.group },
  );
  return Number(s?.n) >= run.expected && Number(l?.open) === 0;
}

/** Migrated before a consumer starts, so that the ledger and the tables can be read from the first poll. */
async function migrate(env: RoleEnv): Promise<void> {
  const migrated = await runTws(['migrate'], env);
  if (migrated.code !== 0) throw new Error(`tws migrate failed:\n${migrated.stdout}${migrated.stderr}`);
}

/** One life to the end, stopped with SIGTERM once everything is written. */
export async function runToEnd(run: Run, life = 0, timeoutMs = 300_000): Promise<void> {
  const env = run.envFor(life);
  await migrate(env);
  const store = await storeFor(env);
  const role = startRole(['consume', '--only', 'metrics'], env);
  try {
    await waitFor('every snapshot written', () => done(store, run), timeoutMs);
  } finally {
    await role.stop('SIGTERM');
    await store.close();
  }
}

/**
 * Kills the consumer `kills` times, each at a random point within `withinMs` after it has written
 * something; returns how many kills it made (fewer only if a life got to the end first).
 */
export async function crashLoop(run: Run, kills: number, seed: number, withinMs = 500): Promise<number> {
  const rnd = prng(seed);
  let killed = 0;
  await migrate(run.envFor(0));
  for (let life = 0; killed < kills; life++) {
    const env = run.envFor(life);
    const store = await storeFor(env);
    try {
      const before = await ledgerVersion(store, run.group);
      const role = startRole(['consume', '--only', 'metrics'], env);
      // Progress (a new ledger row) or the end of the topic, whichever comes first.
      const outcome = await waitFor(
        'the consumer to write',
        async () =>
          (await done(store, run)) ? 'done' : (await ledgerVersion(store, run.group)) > before && 'progress',
        120_000,
      ).catch(async (err) => {
        await role.stop('SIGKILL');
        throw new Error(`${(err as Error).message}\n${role.output().slice(-3000)}`);
      });
      if (outcome === 'done') {
        await role.stop('SIGTERM');
        return killed;
      }
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * withinMs)));
      await role.stop('SIGKILL');
      killed++;
    } finally {
      await store.close();
    }
  }
  return killed;
}

/** Everything a crash could corrupt, comparable between two databases (test/support/consumer-child.ts). */
export async function dumpTables(store: Store) {
  await syncReplica(store, DUMPED);
  return {
    hourly: await store.query('SELECT * FROM zone_hourly ORDER BY event_id, zone, hour'),
    daily: await store.query('SELECT * FROM zone_daily ORDER BY event_id, zone, day'),
    zones: await store.query('SELECT * EXCEPT (job_id) FROM zone_snapshots ORDER BY event_id, zone, scraped_at'),
    sections: await store.query(
      'SELECT count() AS n, sum(total_tickets) AS t, sum(sum_price_cents) AS p FROM section_snapshots',
    ),
    raw: await store.query('SELECT count() AS n, uniqExact(snapshot_id, listing_id) AS u FROM raw_listings'),
    snapshots: await store.query('SELECT count() AS n, uniqExact(snapshot_id) AS u FROM snapshots'),
  };
}
