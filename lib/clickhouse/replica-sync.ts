// On a ClickHouse cluster, a read on one replica sees rows written through another only once it
// has fetched their parts. LIGHTWEIGHT fetches the parts already announced in Keeper, no more: what
// a reader needs after another process's write has returned. A no-op on one server or chDB.
import type { Store } from './store.ts';

export async function syncReplica(store: Pick<Store, 'cluster' | 'command'>, tables: readonly string[]): Promise<void> {
  if (!store.cluster) return;
  for (const t of tables) await store.command(`SYSTEM SYNC REPLICA ${t} LIGHTWEIGHT`);
}
