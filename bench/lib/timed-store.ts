// A Store that times what passes through it (per table for inserts, per kind for queries and
// commands), handed to the consumers in place of the real one: where the sink's wall time goes,
// without touching the consumer code.
import type { EncodedInsert, InsertOptions, QueryParams, QuerySettings, Store } from '../../lib/clickhouse/store.ts';

export interface Timing {
  calls: number;
  rows: number;
  ms: number;
  /** The slowest single call: in embedded mode, what a parameterized API read may queue behind. */
  maxMs: number;
}

export interface TimedStore {
  store: Store;
  timings: Map<string, Timing>;
  summary(): Record<string, { calls: number; rows: number; seconds: number; maxMs: number }>;
}

/** The first table a query reads (its kind, for the summary). */
const fromTable = (sql: string): string => /\bFROM\s+([A-Za-z_][\w.]*)/i.exec(sql)?.[1] ?? '?';

export function timedStore(inner: Store): TimedStore {
  const timings = new Map<string, Timing>();
  const time = async <T>(key: string, rows: number, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      let t = timings.get(key);
      if (!t) timings.set(key, (t = { calls: 0, rows: 0, ms: 0, maxMs: 0 }));
      const ms = performance.now() - t0;
      t.calls++;
      t.rows += rows;
      t.ms += ms;
      t.maxMs = Math.max(t.maxMs, ms);
    }
  };
  const store: Store = {
    mode: inner.mode,
    database: inner.database,
    faults: inner.faults,
    query: <T>(sql: string, params?: QueryParams, settings?: QuerySettings) =>
      time('query', 0, () => inner.query<T>(sql, params, settings)),
    ingestQuery: <T>(sql: string, params?: QueryParams) =>
      time(`ingest query ${fromTable(sql)}`, 0, () => inner.ingestQuery<T>(sql, params)),
    command: (sql: string, params?: QueryParams, settings?: QuerySettings) =>
      time('command', 0, () => inner.command(sql, params, settings)),
    insert: (table: string, rows: readonly object[], opts?: InsertOptions) =>
      time(`insert ${table}`, rows.length, () => inner.insert(table, rows, opts)),
    insertEncoded: (opts: EncodedInsert) => time(`insert ${opts.table} (encoded)`, 0, () => inner.insertEncoded(opts)),
    sandboxQuery: <T>(sql: string, params: QueryParams | undefined, settings: QuerySettings) =>
      time('sandbox', 0, () => inner.sandboxQuery<T>(sql, params, settings)),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return {
    store,
    timings,
    summary: () =>
      Object.fromEntries(
        [...timings]
          .sort((a, b) => b[1].ms - a[1].ms)
          .map(([k, t]) => [
            k,
            { calls: t.calls, rows: t.rows, seconds: Math.round(t.ms) / 1000, maxMs: Math.round(t.maxMs) },
          ]),
      ),
  };
}
