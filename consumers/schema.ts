// Everything the consumers need in ClickHouse: the migrations (tables, rollup views) and the ingest
// views rendered from the metric definitions (snapshots/views.ts), kept equal to the code.
import { migrate, type MigrateResult } from '../lib/clickhouse/migrate.ts';
import type { Store } from '../lib/clickhouse/store.ts';
import { applyManagedViews, type ViewsResult } from '../lib/clickhouse/views.ts';
import { lifecycleViews } from './lifecycle/views.ts';
import { ingestViews } from './snapshots/views.ts';

export async function ensureSchema(store: Store): Promise<MigrateResult & { views: ViewsResult }> {
  const migrated = await migrate(store);
  return { ...migrated, views: await applyManagedViews(store, [...ingestViews(), ...lifecycleViews()]) };
}
