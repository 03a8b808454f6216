// Refilling a table that materialized views feed, from what their sources hold now (`tws replay`):
// each view's own SELECT, run once over the whole source table. A view names its columns, and may
// give only some of the target's (the others take their defaults), so the insert names them too.
import type { Store } from './store.ts';

/** Empties `table`, then inserts each view's SELECT into it, in order. */
export async function refillFromViews(store: Store, table: string, views: readonly string[]): Promise<void> {
  const selects: string[] = [];
  for (const name of views) {
    const [mv] = await store.query<{ as_select: string }>(
      'SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = {n:String}',
      { n: name },
    );
    if (!mv) throw new Error(`materialized view ${name} is missing; run tws migrate`);
    selects.push(mv.as_select);
  }
  // Read every SELECT before emptying the table: a missing view leaves the table as it was.
  const columns = await Promise.all(
    selects.map(async (select) => (await store.query<{ name: string }>(`DESCRIBE (${select})`)).map((c) => c.name)),
  );
  await store.command(`TRUNCATE TABLE ${table}`);
  for (const [i, select] of selects.entries())
    await store.command(`INSERT INTO ${table} (${columns[i]!.map((c) => `\`${c}\``).join(', ')}) ${select}`);
}
