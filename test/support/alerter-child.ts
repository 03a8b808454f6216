// An alerter process for crash tests: runs the alerter from the environment's config on its own
// embedded ClickHouse, prints "ready" once its metrics consumer fetches, `rule <id>` for each rule
// its index holds (so a test publishes metrics only once the rule they should fire is known: a rule
// read after its scrape is not evaluated on it), a status line
// (`status {"firings":n,"delivered":n}`) whenever its outbox changes, and with
// TWS_EXPECT_DELIVERED set, "done <dump>" (firings and delivery outcomes as JSON) once that many
// deliveries are final, and exits. The test SIGKILLs it at chosen or random points in between.
import { createStore } from '../../lib/clickhouse/store.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { loadConfig } from '../../lib/config.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { startAlerter } from '../../consumers/alerts/service.ts';

const config = loadConfig();
const expect = Number(process.env.TWS_EXPECT_DELIVERED ?? Infinity);
const store = await createStore(config.clickhouse);
await migrate(store);
const kafka = createKafka(config.kafka, silentLogger);
const alerter = await startAlerter({ config, store, kafka, log: silentLogger, fromBeginning: true });
await alerter.fetching;
process.stdout.write('ready\n');

const dump = async () => ({
  firings: await store.query<{ firing_id: string; rule_id: string; observed_at: number }>(
    'SELECT firing_id, rule_id, toUnixTimestamp64Milli(observed_at) AS observed_at FROM alert_firings FINAL ORDER BY firing_id',
  ),
  deliveries: await store.query<{ firing_id: string; target: string; status: string; attempts: number }>(
    'SELECT firing_id, target, status, attempts FROM alert_deliveries FINAL ORDER BY firing_id, target',
  ),
});

let last = '';
const rules = new Set<string>();
const timer = setInterval(async () => {
  for (const { rule_id } of alerter.index.list()) {
    if (rules.has(rule_id)) continue;
    rules.add(rule_id);
    process.stdout.write(`rule ${rule_id}\n`);
  }
  const d = await dump().catch(() => undefined);
  if (!d) return;
  const delivered = d.deliveries.filter((x) => x.status === 'delivered').length;
  const line = JSON.stringify({ firings: d.firings.length, delivered });
  if (line !== last) process.stdout.write(`status ${(last = line)}\n`);
  if (delivered >= expect) {
    clearInterval(timer);
    await alerter.stop();
    process.stdout.write(`done ${JSON.stringify(d)}\n`);
    await store.close();
    process.exit(0);
  }
}, 100);
