// `tws events add|list|deactivate`: the event catalog from the command line.
import { Command } from 'commander';
import type { Config } from '../../lib/config.ts';
import type { Logger } from '../../lib/logger.ts';
import { ConfigError } from '../../lib/errors.ts';
import { SOURCES, isSourceName, sourceNameList, type SourceName } from '../../lib/sources/registry.ts';
import { catalogWithPublisher, createContext, openStore, prepareTopics } from '../roles.ts';
import { printRows, type OutputFormat } from './output.ts';

type Setup = (cmd: Command) => { config: Config; log: Logger };

async function withCatalog<T>(
  setup: Setup,
  cmd: Command,
  fn: (c: Awaited<ReturnType<typeof catalogWithPublisher>>['catalog']) => Promise<T>,
): Promise<T> {
  const { config, log } = setup(cmd);
  const ctx = createContext(config, log);
  const store = await openStore(ctx);
  await prepareTopics(ctx);
  const { catalog, producer } = await catalogWithPublisher(ctx, store);
  try {
    return await fn(catalog);
  } finally {
    await producer.stop();
    await store.close();
  }
}

/** `--also gametime:66b0…`: another source of the event and its id there (repeatable). */
const parseAlso = (v: string, acc: Array<{ source: SourceName; source_event_id: string }>) => {
  const i = v.indexOf(':');
  const source = v.slice(0, i);
  if (i <= 0 || i === v.length - 1 || !isSourceName(source))
    throw new ConfigError(
      `--also expects <source>:<event id> with a source of ${sourceNameList()}, got "${v}"`,
      '--also',
    );
  return [...acc, { source, source_event_id: v.slice(i + 1) }];
};

const parseTime = (v: string): number => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ConfigError(`--starts-at must be an ISO date-time, got "${v}"`, '--starts-at');
  return t;
};

export function eventsCommand(setup: Setup, print: (l: string) => void): Command {
  const events = new Command('events').description('the catalog of tracked events');
  events
    .command('add')
    .description('track a new event')
    .requiredOption(
      '--source-event-id <id>',
      `the marketplace's event id (${SOURCES.map((s) => `${s.name}: ${s.eventId}`).join('; ')})`,
    )
    .requiredOption('--name <name>', 'event name')
    .requiredOption('--starts-at <iso>', 'event start, ISO-8601', parseTime)
    .option('--source <source>', sourceNameList(), 'vividseats')
    .option('--also <source:id>', 'another source of the same event and its id there (repeatable)', parseAlso, [])
    .option('--id <eventId>', 'our event id (default: <source>-<source event id>)')
    .option('--venue <venue>', 'venue', '')
    .option('--timezone <tz>', 'IANA time zone of the venue', 'UTC')
    .option('--capacity <n>', 'seats for sale at the event (enables availability %)', (v) => Number(v))
    .action(async (flags, cmd: Command) => {
      if (!isSourceName(flags.source)) throw new ConfigError(`--source must be ${sourceNameList()}`, '--source');
      if (flags.capacity !== undefined && !(Number.isInteger(flags.capacity) && flags.capacity > 0))
        throw new ConfigError('--capacity must be a positive integer', '--capacity');
      const e = await withCatalog(setup, cmd, (c) =>
        c.create({
          event_id: flags.id,
          source: flags.source,
          source_event_id: flags.sourceEventId,
          sources: flags.also,
          name: flags.name,
          venue: flags.venue,
          timezone: flags.timezone,
          starts_at: flags.startsAt,
          capacity: flags.capacity ?? null,
        }),
      );
      print(`added ${e.event_id}`);
    });
  events
    .command('list')
    .description('list tracked events')
    .option('--all', 'include inactive events')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (flags: { all?: boolean; format: OutputFormat }, cmd: Command) => {
      const rows = await withCatalog(setup, cmd, (c) => c.list(flags.all ? {} : { active: true }));
      printRows(
        rows.map((e) => ({
          event_id: e.event_id,
          name: e.name,
          source: e.source,
          source_event_id: e.source_event_id,
          sources: (e.sources ?? []).map((r) => `${r.source}:${r.source_event_id}`).join(' '),
          starts_at: new Date(e.starts_at).toISOString(),
          capacity: e.capacity,
          active: e.active,
          last_scraped_at: e.last_scraped_at ? new Date(e.last_scraped_at).toISOString() : null,
        })),
        flags.format,
        print,
      );
    });
  events
    .command('deactivate')
    .description('stop scraping an event (it stays in the catalog)')
    .argument('<eventId>')
    .action(async (id: string, _flags, cmd: Command) => {
      await withCatalog(setup, cmd, (c) => c.deactivate(id));
      print(`deactivated ${id}`);
    });
  return events;
}
