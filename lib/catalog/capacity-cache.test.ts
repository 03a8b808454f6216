// EventCatalog.capacityOf: the inventory trend asks for the event's capacity on every request, so
// the catalog reuses what it read for a while, and its own writes replace it at once.
import { describe, expect, it } from 'vitest';
import type { Store } from '../clickhouse/store.ts';
import { EventCatalog } from './catalog.ts';

/** A store that answers the capacity question from `capacity`, counting the questions. */
function countingStore(capacity: { value: number | null }) {
  const calls = { capacity: 0 };
  const store = {
    async query(sql: string) {
      if (sql.includes('SELECT capacity FROM events')) {
        calls.capacity++;
        return [{ capacity: capacity.value }];
      }
      return [];
    },
    async insert() {},
  } as unknown as Store;
  return { store, calls };
}

describe('EventCatalog.capacityOf', () => {
  it('reads a capacity once and reuses it', async () => {
    const capacity = { value: 1_000 as number | null };
    const { store, calls } = countingStore(capacity);
    const catalog = new EventCatalog({ store });
    expect(await catalog.capacityOf('evt-1')).toBe(1_000);
    capacity.value = 2_000; // changed elsewhere: shows once the cached value has aged out
    expect(await catalog.capacityOf('evt-1')).toBe(1_000);
    expect(calls.capacity).toBe(1);
    expect(await catalog.capacityOf('evt-2')).toBe(2_000);
    expect(calls.capacity).toBe(2);
  });

  it('a write through the catalog replaces the cached capacity', async () => {
    const capacity = { value: 1_000 as number | null };
    const { store, calls } = countingStore(capacity);
    const catalog = new EventCatalog({ store });
    await catalog.capacityOf('evt-1');
    capacity.value = 1_500;
    await catalog.create({
      event_id: 'evt-1',
      source: 'simulated',
      source_event_id: '1',
      name: 'Cached',
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: Date.UTC(2027, 0, 1),
      capacity: 1_500,
    });
    expect(await catalog.capacityOf('evt-1')).toBe(1_500);
    expect(calls.capacity).toBe(2);
  });
});
