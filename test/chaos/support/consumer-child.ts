// A consumer process for the chaos scenarios, started by ConsumerChild (children.ts) with an IPC
// channel. It runs the real consumers (consumers/service.ts) from the environment's config and
// reports its progress to the parent every 250 ms. Settings beyond the config:
//   TWS_CHAOS_STORE=local|remote   own embedded chDB (default), or the parent's store over IPC
//   TWS_CHAOS_ONLY=metrics|ops|all which consumers to run (default metrics)
//   TWS_CHAOS_FAULTS=json          store outages, [{ "after": N, "ms": 30000, "kinds": ["write"] }, ...]:
//                                  once N snapshots are written, the store's own fault switch
//                                  (store.faults) makes those operations fail for `ms`
//   TWS_CHAOS_LOG=file             pino log (info) to this file; silent otherwise
// Commands from the parent: { cmd: 'dump' } answers { type: 'dump', data }, { cmd: 'query', sql,
// params } answers { type: 'query', data } (one at a time), { cmd: 'stop' } stops
// the consumers as on SIGTERM, closes the store and exits 0.
import { createStore, type Store } from '../../../lib/clickhouse/store.ts';
import { ensureSchema } from '../../../consumers/schema.ts';
import { loadConfig } from '../../../lib/config.ts';
import { createKafka } from '../../../lib/kafka/client.ts';
import { createLogger, silentLogger } from '../../../lib/logger.ts';
import { startConsumers } from '../../../consumers/service.ts';
import { pino } from 'pino';
import { RemoteStore } from './ipc-store.ts';
import { dumpTables } from './verify.ts';

export interface ChildStatus {
  type: 'status';
  joins: number;
  ranges: number;
  records: number;
  deadLettered: number;
  skipped: number;
  /** Unfinished ranges this process found in the ledger and wrote again (an earlier kill mid-write). */
  replays: number;
  retries: number;
  duplicates: number;
  state: string;
  opsRecords: number;
  opsState: string;
  /** Outages started so far, in order. */
  faults: Array<{ startedAt: number; endsAt: number; kinds: string[] }>;
  rssMb: number;
}

const logFile = (path: string) => pino.destination({ dest: path, sync: true }) as unknown as NodeJS.WritableStream;

const send = (msg: unknown) => {
  if (process.connected) process.send!(msg, () => {}); // the parent gone: nothing to tell
};

const config = loadConfig();
const log = process.env.TWS_CHAOS_LOG
  ? createLogger({ level: 'info', name: 'chaos-child', destination: logFile(process.env.TWS_CHAOS_LOG) })
  : silentLogger;
const remote = process.env.TWS_CHAOS_STORE === 'remote';
const store: Store = remote ? new RemoteStore(config.clickhouse.database) : await createStore(config.clickhouse);
if (!remote) await ensureSchema(store);
const only = (process.env.TWS_CHAOS_ONLY ?? 'metrics') as 'metrics' | 'ops' | 'all';
const kafka = createKafka(config.kafka, log.child({ component: 'kafka' }));
const svc = await startConsumers({ config, store, kafka, log, only: only === 'all' ? undefined : only });

const planned = JSON.parse(process.env.TWS_CHAOS_FAULTS ?? '[]') as Array<{
  after: number;
  ms: number;
  kinds: Array<'read' | 'write'>;
}>;
const faults: ChildStatus['faults'] = [];

function status(): ChildStatus {
  const m = svc.metrics;
  return {
    type: 'status',
    joins: only === 'ops' ? svc.ops.joins : m.joins,
    ranges: m.stats.ranges,
    records: m.stats.records,
    deadLettered: m.stats.deadLettered + svc.ops.stats.deadLettered,
    skipped: m.stats.skipped,
    replays: m.stats.replays,
    retries: m.stats.retries,
    duplicates: svc.handler.stats.duplicates,
    state: m.state,
    opsRecords: svc.ops.stats.records,
    opsState: svc.ops.state,
    faults,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
}

// Checked often: an outage must start right after the N-th record, not up to a tick later.
const faultTimer = setInterval(() => {
  const next = planned[faults.length];
  if (!next) return clearInterval(faultTimer);
  const last = faults.at(-1);
  if ((last && Date.now() < last.endsAt) || svc.metrics.stats.records < next.after) return;
  store.faults.fail(next.kinds, next.ms);
  faults.push({ startedAt: Date.now(), endsAt: Date.now() + next.ms, kinds: next.kinds });
  log.warn({ ...next }, 'chaos: ClickHouse operations rejected from now on');
  send(status());
}, 5);
const statusTimer = setInterval(() => send(status()), 250);
send(status());

process.on('message', (raw: unknown) => {
  const m = raw as { cmd?: string; sql?: string; params?: Record<string, unknown> };
  if (m?.cmd === 'query') {
    store.query(m.sql!, m.params).then(
      (data) => send({ type: 'query', data }),
      (err: unknown) => send({ type: 'query', error: String(err) }),
    );
  } else if (m?.cmd === 'dump') {
    dumpTables(store).then(
      (data) => send({ type: 'dump', data }),
      (err: unknown) => send({ type: 'dump', error: String(err) }),
    );
  } else if (m?.cmd === 'stop') {
    void (async () => {
      clearInterval(statusTimer);
      clearInterval(faultTimer);
      await svc.stop(10_000);
      send(status());
      await store.close();
      send({ type: 'stopped' });
      process.exit(0);
    })();
  }
});
process.on('disconnect', () => process.exit(0));
