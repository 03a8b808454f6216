// Materialized views whose SELECT is rendered by code (the ingest views, from one definition of each
// metric) rather than written in a migration. Start-up keeps each one equal to the code: it creates
// a missing view, and replaces the query of a view whose text changed with ALTER … MODIFY QUERY,
// which swaps it atomically (a DROP + CREATE would let a concurrent insert pass with no view).
// A view the code no longer defines is dropped, so a renamed view never writes twice. Checksums of
// what was applied live in `managed_views`.
import { createHash } from 'node:crypto';
import { ddlFor, ddlSettings } from './cluster.ts';
import type { Store } from './store.ts';
import { TABLES } from './tables.ts';

export interface ManagedView {
  name: string;
  /** The table the view writes to. */
  to: string;
  select: string;
}

/** The checksum of a dropped view. */
const RETIRED = 'retired';

const checksumOf = (v: ManagedView) => createHash('sha256').update(`${v.to}\n${v.select}`).digest('hex').slice(0, 16);

export interface ViewsResult {
  created: string[];
  replaced: string[];
  /** Views this code applied once and no longer defines (renamed or retired): dropped. */
  dropped: string[];
}

/** On a cluster, a view must exist on every replica (ON CLUSTER, lib/clickhouse/cluster.ts). */
async function runDdl(store: Store, sql: string): Promise<void> {
  for (const stmt of ddlFor(store, sql)) await store.command(stmt, undefined, ddlSettings(store));
}

export async function applyManagedViews(store: Store, views: readonly ManagedView[]): Promise<ViewsResult> {
  const existing = new Set(
    (
      await store.query<{ name: string }>(
        `SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}`,
        { names: views.map((v) => v.name) },
      )
    ).map((r) => r.name),
  );
  const applied = new Map(
    (
      await store.query<{ name: string; checksum: string }>(
        `SELECT name, argMax(checksum, updated_at) AS checksum FROM ${TABLES.managedViews} GROUP BY name`,
      )
    ).map((r) => [r.name, r.checksum]),
  );
  const result: ViewsResult = { created: [], replaced: [], dropped: [] };
  const wanted = new Set(views.map((v) => v.name));
  for (const [name, sum] of applied) {
    if (wanted.has(name) || sum === RETIRED) continue;
    await runDdl(store, `DROP VIEW IF EXISTS ${name}`);
    await store.insert(TABLES.managedViews, [{ name, checksum: RETIRED }]);
    result.dropped.push(name);
  }
  for (const v of views) {
    const sum = checksumOf(v);
    if (!existing.has(v.name)) {
      await runDdl(store, `CREATE MATERIALIZED VIEW IF NOT EXISTS ${v.name} TO ${v.to} AS ${v.select}`);
      result.created.push(v.name);
    } else if (applied.get(v.name) !== sum) {
      await runDdl(store, `ALTER TABLE ${v.name} MODIFY QUERY ${v.select}`);
      result.replaced.push(v.name);
    } else continue;
    await store.insert(TABLES.managedViews, [{ name: v.name, checksum: sum }]);
  }
  return result;
}
