// The reader on a ClickHouse cluster, with a fake store standing for one replica: the lifecycle's
// ledger says the snapshot's range is in, but this replica has not fetched listing_changes' parts
// until it is told to sync. (The real-engine cases are in test/alerts/new-listings.test.ts.)
import { describe, expect, it } from 'vitest';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { ZoneMetricsRecord } from './observation.ts';
import { NewListingsReader } from './new-listings.ts';

function replica(cluster: string | undefined) {
  const commands: string[] = [];
  const synced = (table: string) => commands.some((c) => c.includes(`SYNC REPLICA ${table}`));
  const store = {
    cluster,
    command: async (sql: string) => void commands.push(sql),
    ingestQuery: async (sql: string) => {
      if (sql.includes('FROM lifecycle_snapshots')) return [{ p: 0, o: '5' }];
      if (sql.includes('FROM sink_offsets')) return [{ first_offset: '0', last_offset: '9', phase: 'after', epoch: 0 }];
      if (sql.includes('FROM listing_changes')) return synced('listing_changes') ? [{ section: '101', n: 2 }] : [];
      throw new Error(`unexpected query: ${sql}`);
    },
  };
  return { store: store as unknown as Store, commands };
}

const record = { event_id: 'evt', snapshot_id: 's5', zone: 'Floor' } as ZoneMetricsRecord;

describe('NewListingsReader on a cluster', () => {
  it("fetches listing_changes' announced parts once the ledger holds the snapshot, before counting", async () => {
    const { store, commands } = replica('tws');
    const got = await new NewListingsReader(store, { group: 'g-lifecycle', topic: 't' }, 1_000, 10).of(record);
    expect(got).toEqual({ zone: 2, sections: new Map([['101', 2]]) });
    expect(commands).toEqual([
      'SYSTEM SYNC REPLICA sink_offsets LIGHTWEIGHT',
      'SYSTEM SYNC REPLICA listing_changes LIGHTWEIGHT',
    ]);
  });

  it('sends no SYSTEM command to a single server or chDB', async () => {
    const { store, commands } = replica(undefined);
    await new NewListingsReader(store, { group: 'g-lifecycle', topic: 't' }, 1_000, 10).of(record);
    expect(commands).toEqual([]);
  });
});
