// A consumer process for crash tests: runs the snapshot consumers (metrics and lifecycle) from the
// environment's config, prints "joined" once both have partitions and "done" when the snapshots
// table and the lifecycle's judged snapshots hold TWS_EXPECT_SNAPSHOTS snapshots each and neither
// group's ledger has a range unfinished, then exits. The test SIGKILLs it at random points in between.
// Before consuming it prints "unfinished N": the partitions (of either group) whose ledger says
// `before`, i.e. where the previous run was killed after starting a range's write and before its
// `after` and commit.
import { writeFileSync } from 'node:fs';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import { loadConfig } from '../../lib/config.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { snapshotGroups, startConsumers } from '../../consumers/service.ts';

const config = loadConfig();
const expect = Number(process.env.TWS_EXPECT_SNAPSHOTS);
const store = await createStore(config.clickhouse);
await ensureSchema(store);
/** Partitions of either group whose ledger says `before`: a range started and not finished. */
async function unfinishedRanges(): Promise<number> {
  const [row] = await store.query<{ n: number }>(
    `SELECT count() AS n FROM sink_offsets FINAL WHERE consumer_group IN {g:Array(String)} AND phase = 'before'`,
    { g: snapshotGroups(config) },
  );
  return Number(row?.n ?? 0);
}
process.stdout.write(`unfinished ${await unfinishedRanges()}\n`);
const kafka = createKafka(config.kafka, silentLogger);
const svc = await startConsumers({ config, store, kafka, log: silentLogger, only: ['metrics', 'lifecycle'] });
const timer = setInterval(async () => {
  if (svc.metrics.joins > 0 && svc.lifecycle.joins > 0 && !joined) {
    joined = true;
    process.stdout.write('joined\n');
  }
  // Full counts alone do not mean done: a predecessor killed mid-insert can leave one view's rows
  // (snapshots, lifecycle_snapshots) in and another's (section_snapshots) not, with its range still
  // `before` in the ledger until this life replays it. Done is: the counts, and no range unfinished.
  const [row] = await store
    .query<{ n: number; judged: number }>(
      `SELECT (SELECT count() FROM snapshots) AS n, (SELECT uniqExact(snapshot_id) FROM lifecycle_snapshots) AS judged`,
    )
    .catch(() => [{ n: 0, judged: 0 }]);
  if (Number(row?.n) < expect || Number(row?.judged) < expect) return;
  if ((await unfinishedRanges().catch(() => 1)) === 0 && !finishing) {
    finishing = true; // ticks overlap while their queries run: one of them finishes
    clearInterval(timer);
    await svc.stop();
    if (process.env.TWS_DUMP_FILE) writeFileSync(process.env.TWS_DUMP_FILE, JSON.stringify(await dumpTables(store)));
    await store.close();
    process.stdout.write('done\n');
    process.exit(0);
  }
}, 100);
let joined = false;
let finishing = false;

/** Everything a crash could corrupt, in a form two runs can be compared by. */
async function dumpTables(s: Store) {
  return {
    hourly: await s.query('SELECT * FROM zone_hourly ORDER BY event_id, zone, hour'),
    daily: await s.query('SELECT * FROM zone_daily ORDER BY event_id, zone, day'),
    zones: await s.query('SELECT * EXCEPT (job_id) FROM zone_snapshots ORDER BY event_id, zone, scraped_at'),
    sections: await s.query(
      'SELECT count() AS n, sum(total_tickets) AS t, sum(sum_price_cents) AS p FROM section_snapshots',
    ),
    raw: await s.query('SELECT count() AS n, uniqExact(snapshot_id, listing_id) AS u FROM raw_listings'),
    snapshots: await s.query('SELECT count() AS n, uniqExact(snapshot_id) AS u FROM snapshots'),
    // The listing lifecycle and what is derived from it (its state lives in ClickHouse only).
    changes: await s.query('SELECT * FROM listing_changes ORDER BY event_id, source, changed_at, listing_id, kind'),
    judged: await s.query('SELECT * FROM lifecycle_snapshots ORDER BY event_id, source, scraped_at, snapshot_id'),
    market: await s.query('SELECT * FROM market_hourly ORDER BY event_id, zone, hour'),
  };
}
