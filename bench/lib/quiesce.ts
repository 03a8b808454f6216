// Lets an embedded chDB come to rest before its process ends: background merges stopped and
// finished. Ending a process while the engine still merges parts has crashed chDB (SIGSEGV at exit).
import type { Store } from '../../lib/clickhouse/store.ts';
import { sleep } from './stats.ts';

export async function quiesce(store: Store, timeoutMs = 15_000): Promise<void> {
  try {
    await store.command('SYSTEM STOP MERGES');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [r] = await store.query<{ n: number }>('SELECT count() AS n FROM system.merges');
      if (Number(r?.n ?? 0) === 0) return;
      await sleep(100);
    }
  } catch {
    // best effort: the measurements are already taken
  }
}
