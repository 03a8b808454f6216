// Every section and zone row's metrics, one JSON line each, for comparing two runs (compare.ts).
import { writeFileSync } from 'node:fs';
import { PRICE_METRICS } from '../../consumers/snapshots/metrics-sql.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';

export async function dumpMetrics(store: Store, path: string): Promise<void> {
  const cols = PRICE_METRICS.map((m) => m.column).join(', ');
  const rows = await store.query<Record<string, unknown>>(
    `SELECT snapshot_id, zone, section, ${cols} FROM ${TABLES.sectionSnapshots}
     UNION ALL
     SELECT snapshot_id, zone, '*' AS section, ${cols} FROM ${TABLES.zoneSnapshots}
     ORDER BY snapshot_id, zone, section`,
  );
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
}
