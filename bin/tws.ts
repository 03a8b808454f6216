// The `tws` CLI: wires the parts together; the logic lives in lib/, producers/, consumers/, api/.
// Configuration: --set NAME=value flags > environment > --config file (see bin/env.ts).
import { Command, Option } from 'commander';
import { stackDown, stackStatus, stackUp } from '../deploy/stack/stack.mjs';
import { loadConfig, type Config } from '../lib/config.ts';
import { ConfigError, TwsError, errorMessage } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { startSimulatedMarketplace } from '../producers/sources/simulated/server.ts';
import { up } from './commands/up.ts';
import { configCommand } from './commands/config.ts';
import { alertsCommand } from './commands/alerts.ts';
import { eventsCommand } from './commands/events.ts';
import { queryCommand } from './commands/query.ts';
import { replayCommand } from './commands/replay.ts';
import { scrapeOnce } from './commands/scrape.ts';
import type { ConsumerName } from '../consumers/service.ts';
import { mergedEnv } from './env.ts';
import { startOpsServer } from './ops-server.ts';
import {
  createContext,
  openStore,
  prepareTopics,
  startApiRole,
  startAlerterRole,
  startConsumerRole,
  startSchedulerRole,
  startWorkerRole,
  stopAll,
  type StopReport,
  type Handle,
} from './roles.ts';

const program = new Command('tws')
  .description('tws-analytics: ticket-price analytics on Kafka and ClickHouse')
  .option('-c, --config <file>', 'config file (JSON or YAML) of NAME: value settings')
  .option(
    '-s, --set <NAME=value>',
    'override a setting (repeatable), e.g. --set TWS_API_PORT=9000',
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  )
  .addOption(
    new Option('--log-level <level>', 'log level').choices([
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
  )
  .showHelpAfterError();

function setup(cmd: Command): { config: Config; log: ReturnType<typeof createLogger>; env: NodeJS.ProcessEnv } {
  const opts = cmd.optsWithGlobals<{ config?: string; set?: string[]; logLevel?: string }>();
  const env = mergedEnv(opts);
  if (opts.logLevel) env.TWS_LOG_LEVEL = opts.logLevel;
  const config = loadConfig(env);
  const format = config.logFormat === 'auto' ? undefined : config.logFormat;
  const log = createLogger({ level: config.logLevel, format });
  // Deprecated settings, and settings that change nothing: said once, at start-up, by name.
  for (const w of config.warnings) log.warn({ setting: w.setting }, w.message);
  return { config, log, env };
}

/** The local stack's settings from the same flags, environment and config file as the roles'. */
const stackEnv = (cmd: Command) => mergedEnv(cmd.optsWithGlobals<{ config?: string; set?: string[] }>());

const print = (line: string) => process.stdout.write(`${line}\n`);

/** The last resort if a stop outlives every handle's own bound (see stopAll). */
const SHUTDOWN_LIMIT_MS = 30_000;

/** Runs handles until SIGINT/SIGTERM, then stops them in order, bounded in time. */
function runUntilSignal(stop: () => Promise<StopReport | void>, log: ReturnType<typeof createLogger>): void {
  let stoppingSince = 0;
  const onSignal = (sig: string, exitCode = 0) => {
    if (stoppingSince) {
      if (exitCode !== 0) return; // an error during the stop: the stop goes on, bounded as it is
      // Ctrl-C under `npm start` arrives twice (the terminal signals the whole group and npm
      // forwards it again): only a second press, a moment later, forces the exit.
      if (Date.now() - stoppingSince < 2_000) return;
      print('forced exit');
      process.exit(130);
    }
    stoppingSince = Date.now();
    print(`\n${sig}: stopping…`);
    const force = setTimeout(() => {
      log.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    stop()
      .then((report) => {
        print(`stopped in ${((Date.now() - stoppingSince) / 1000).toFixed(1)} s.${report ? describeStop(report) : ''}`);
        process.exit(exitCode);
      })
      .catch((err) => {
        log.error({ err: errorMessage(err) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // A closed terminal and a bug stop the run as Ctrl-C does: its Kafka consumers leave their groups,
  // where a vanished member would hold its partitions until its session times out.
  process.on('SIGHUP', () => {
    process.stdout.on('error', () => {}); // the terminal is gone: progress lines have nowhere to go
    onSignal('SIGHUP');
  });
  const crashed = (err: unknown) => {
    log.fatal({ err }, 'unexpected error; stopping');
    onSignal('fatal error', 1);
  };
  process.on('uncaughtException', crashed);
  process.on('unhandledRejection', crashed);
}

/** " (slowest: consumers 1.2 s; worker overran)" — where a stop's time went. */
function describeStop({ took }: StopReport): string {
  const overran = took.filter((t) => t.overran).map((t) => `${t.name} overran`);
  const slowest = [...took].sort((a, b) => b.ms - a.ms)[0];
  const parts = [
    ...(slowest && slowest.ms >= 500 ? [`slowest: ${slowest.name} ${(slowest.ms / 1000).toFixed(1)} s`] : []),
    ...overran,
  ];
  return parts.length ? ` (${parts.join('; ')})` : '';
}

program
  .command('up')
  .description('run the whole pipeline on the embedded defaults (what `npm start` runs)')
  .option('--no-stack', 'do not start the local Kafka + registry (use KAFKA_BROKERS / SCHEMA_REGISTRY_URL)')
  .option('--backfill-hours <n>', 'simulated history to load on the first start', (v) => Number(v), 48)
  .option('--exit-after <seconds>', 'stop by itself after this long (for tests and demos)', (v) => Number(v))
  .action(async (opts: { stack: boolean; backfillHours: number; exitAfter?: number }, cmd: Command) => {
    const { config, log, env } = setup(cmd);
    print('tws-analytics: starting the pipeline on embedded defaults');
    const running = await up(config, log, {
      stack: opts.stack,
      stackEnv: env,
      backfillHours: opts.backfillHours,
      print,
    });
    print('');
    print(`  API        ${running.apiUrl}/v1/events`);
    print(`  Dashboard  ${running.apiUrl}/`);
    print(`  API docs   ${running.apiUrl}/docs   (OpenAPI: ${running.apiUrl}/openapi.json)`);
    print(`  Metrics    ${running.apiUrl}/metrics`);
    print(`  Simulated marketplace  ${running.simUrl}/__sim/productions`);
    print('');
    print('Press Ctrl-C to stop.');
    if (running.keptRunning) print(running.keptRunning);
    runUntilSignal(running.stop, log);
    if (opts.exitAfter) setTimeout(() => process.kill(process.pid, 'SIGTERM'), opts.exitAfter * 1000);
  });

program
  .command('scrape')
  .description('run one scrape job: every active event once, with an in-process worker')
  .action(async (_opts, cmd: Command) => {
    const { config, log } = setup(cmd);
    const job = await scrapeOnce(config, log);
    print(JSON.stringify(job, null, 2));
    process.exit(job.status === 'failed' ? 1 : 0);
  });

/** A long-running role: open what it needs, run until a signal. */
function role(
  name: string,
  description: string,
  start: (config: Config, log: ReturnType<typeof createLogger>) => Promise<Handle[]>,
) {
  program
    .command(name)
    .description(description)
    .action(async (_opts, cmd: Command) => {
      const { config, log } = setup(cmd);
      const handles = await start(config, log);
      if (config.metricsPort !== undefined) {
        const ops = await startOpsServer(config.metricsPort);
        handles.push(ops);
        print(`metrics on http://0.0.0.0:${ops.port}/metrics`);
      }
      print(`${name} running (Ctrl-C to stop)`);
      runUntilSignal(() => stopAll(handles, log), log);
    });
}

role('scheduler', 'run the scheduler: one scrape job per interval (run one instance)', async (config, log) => {
  const ctx = createContext(config, log);
  const store = await openStore(ctx);
  await prepareTopics(ctx);
  return [{ name: 'store', stop: () => store.close() }, await startSchedulerRole(ctx, store)];
});

role('worker', 'run a scraper worker (scale out: workers share requests as a consumer group)', async (config, log) => {
  const ctx = createContext(config, log);
  await prepareTopics(ctx);
  return [await startWorkerRole(ctx)];
});

program
  .command('consume')
  .description('run the stream consumers into ClickHouse (scale out: consumer groups)')
  .addOption(new Option('--only <which>', 'run only one of them').choices(['metrics', 'lifecycle', 'ops']))
  .action(async (opts: { only?: ConsumerName }, cmd: Command) => {
    const { config, log } = setup(cmd);
    const ctx = createContext(config, log);
    const store = await openStore(ctx);
    await prepareTopics(ctx);
    const handles: Handle[] = [
      { name: 'store', stop: () => store.close() },
      await startConsumerRole(ctx, store, opts.only),
    ];
    if (config.metricsPort !== undefined) handles.push(await startOpsServer(config.metricsPort));
    runUntilSignal(() => stopAll(handles, log), log);
  });

role(
  'alerter',
  'run the alerter: price alerts and source-down notices to webhooks (scale out: a consumer group)',
  async (config, log) => {
    const ctx = createContext(config, log);
    const store = await openStore(ctx);
    await prepareTopics(ctx);
    return [{ name: 'store', stop: () => store.close() }, await startAlerterRole(ctx, store)];
  },
);

role('api', 'run the REST API and dashboard', async (config, log) => {
  const ctx = createContext(config, log);
  const store = await openStore(ctx);
  // Reads need only ClickHouse: a replica starts while Kafka is down and serves them (read-only, as
  // GET /readyz says); the topics are checked meanwhile, for the catalog writes.
  prepareTopics(ctx).catch((err: unknown) =>
    log.warn({ err: errorMessage(err) }, 'Kafka topics not checked; writes answer 503 until Kafka answers'),
  );
  const api = await startApiRole(ctx, store);
  print(`API listening on http://${config.api.host}:${api.port}`);
  return [{ name: 'store', stop: () => store.close() }, api];
});

role('sim', 'run the simulated marketplace (hermes API) on TWS_SIM_PORT', async (config) => {
  const sim = await startSimulatedMarketplace({
    port: config.sim.port,
    seed: config.sim.seed,
    events: config.sim.events,
    host: '0.0.0.0',
  });
  print(`simulated marketplace on ${sim.url}`);
  return [{ name: 'sim', stop: () => sim.close() }];
});

program.addCommand(eventsCommand(setup, print));
program.addCommand(configCommand(setup, print));
program.addCommand(alertsCommand(setup, print));
program.addCommand(replayCommand(setup, print));
program.addCommand(queryCommand(setup, print));

program
  .command('migrate')
  .description('apply the ClickHouse migrations (idempotent)')
  .action(async (_opts, cmd: Command) => {
    const { config, log } = setup(cmd);
    const ctx = createContext(config, log);
    const store = await openStore(ctx);
    await prepareTopics(ctx);
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM schema_migrations FINAL');
    print(`schema up to date: ${row?.n ?? 0} migrations applied in database ${config.clickhouse.database}`);
    await store.close();
  });

const stack = program.command('stack').description('the local Kafka + schema registry (no Docker)');
stack
  .command('up')
  .description('start Kafka (KRaft) and Apicurio Registry; idempotent')
  .action(async (_opts, cmd: Command) => {
    await stackUp({ log: print, env: stackEnv(cmd) });
  });
stack
  .command('down')
  .description('stop them; idempotent')
  .action(async (_opts, cmd: Command) => {
    await stackDown({ log: print, env: stackEnv(cmd) });
  });
stack
  .command('status')
  .description('show whether they run, their ports and memory')
  .action(async (_opts, cmd: Command) => {
    for (const [name, s] of Object.entries(await stackStatus({ env: stackEnv(cmd) }))) {
      print(
        `${name.padEnd(9)} ${s.running ? 'running' : 'stopped'}${s.healthy ? ' healthy' : ''}  port=${s.port}${s.pid ? `  pid=${s.pid}  rss=${s.rssMiB} MiB` : ''}`,
      );
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // People get the message; the stack only when they ask for it (TWS_LOG_LEVEL=debug).
  if (err instanceof ConfigError || err instanceof TwsError || (err instanceof Error && err.name === 'StackError')) {
    console.error(`tws: ${err.message}`);
  } else console.error(`tws: ${errorMessage(err)}`);
  if (['debug', 'trace'].includes(process.env.TWS_LOG_LEVEL ?? '') && err instanceof Error) console.error(err.stack);
  process.exit(1);
}
