// `tws query "<SQL>"`: ad-hoc SQL against the configured ClickHouse (embedded chDB or server).
import { Command } from 'commander';
import type { Config } from '../../lib/config.ts';
import type { Logger } from '../../lib/logger.ts';
import { createContext, openStore } from '../roles.ts';
import { printRows, type OutputFormat } from './output.ts';

export function queryCommand(
  setup: (cmd: Command) => { config: Config; log: Logger },
  print: (l: string) => void,
): Command {
  return new Command('query')
    .description('run SQL against the configured ClickHouse and print the rows (read-only by default)')
    .argument('<sql>', 'the SQL, e.g. "SELECT * FROM zone_hourly LIMIT 5"')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--write', 'allow statements that change data (readonly=0)')
    .action(async (sql: string, flags: { format: OutputFormat; write?: boolean }, cmd: Command) => {
      const { config, log } = setup(cmd);
      const store = await openStore(createContext(config, log));
      try {
        let rows: Record<string, unknown>[] = [];
        // A statement that returns no rows goes as a command: a query gets FORMAT JSONEachRow
        // appended, which INSERT … VALUES would read as part of its data.
        if (flags.write && !returnsRows(sql)) await store.command(sql);
        else rows = await store.query<Record<string, unknown>>(sql, undefined, flags.write ? {} : { readonly: '1' });
        printRows(rows, flags.format, print);
      } finally {
        await store.close();
      }
    });
}

/** Whether the statement's first keyword (after comments and parentheses) is one that returns rows. */
export function returnsRows(sql: string): boolean {
  const first = /^(?:\s|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(sql)?.[1];
  return /^(select|with|show|describe|desc|explain|exists|check|values)$/i.test(first ?? 'select');
}
