// Printing result rows for people (table) or for tools (csv, json).
import Table from 'cli-table3';
import { ConfigError } from '../../lib/errors.ts';

export type OutputFormat = 'table' | 'csv' | 'json';

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function printRows(rows: Record<string, unknown>[], format: OutputFormat, print: (l: string) => void): void {
  if (format === 'json') return print(JSON.stringify(rows, null, 2));
  const cols = rows[0] ? Object.keys(rows[0]) : [];
  if (format === 'csv') {
    print(cols.map(csvCell).join(','));
    for (const r of rows) print(cols.map((c) => csvCell(r[c])).join(','));
    return;
  }
  if (format !== 'table') throw new ConfigError(`--format must be table, csv or json, got "${format}"`, '--format');
  if (rows.length === 0) return print('(no rows)');
  const t = new Table({ head: cols });
  for (const r of rows)
    t.push(
      cols.map((c) =>
        r[c] === null || r[c] === undefined ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]),
      ),
    );
  print(t.toString());
  print(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
}
