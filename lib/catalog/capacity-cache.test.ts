// EventCatalog.capacityOf: the inventory trend asks for the event's capacity on every request, so
// the catalog reads every event's at once, reuses them for a while, and its own writes update them.
import { describe, expect, it } from 'vitest';
import type { Store } from '../clickhouse/store.ts';
import { EventCatalog } from './catalog.ts';

/** A store whose events table holds `capacities`, counting the reads of it. */
function countingStore(capacities: Record<string, number | null>) {
  const calls = { capacities: 0 };
  const store = {
    async query(sql: string) {
      if (sql.includes('SELECT event_id, capacity FROM events')) {
        calls.capacities++;
        return Object.entries(capacities).map(([event_id, capacity]) => ({ event_id, capacity }));
      }
      return [];
    },
    async insert() {},
  } as unknown as Store;
  return { store, calls };
}

describe('EventCatalog.capacityOf', () => {
  it('reads every capacity once, answers every event from it, and reuses it', async () => {
    const capacities: Record<string, number | null> = { 'evt-1': 1_000, 'evt-2': null };
    const { store, calls } = countingStore(capacities);
    const catalog = new EventCatalog({ store });
    const answers = await Promise.all([catalog.capacityOf('evt-1'), catalog.capacityOf('evt-2')]);
    expect(answers).toEqual([1_000, null]);
    capacities['evt-1'] = 2_000; // changed elsewhere: shows once the read has aged out
    expect(await catalog.capacityOf('evt-1')).toBe(1_000);
    expect(await catalog.capacityOf('evt-unknown')).toBeNull();
    expect(calls.capacities).toBe(1);
  });

  it('a write through the catalog updates the capacity at once', async () => {
    const { store, calls } = countingStore({ 'evt-1': 1_000 });
    const catalog = new EventCatalog({ store });
    expect(await catalog.capacityOf('evt-1')).toBe(1_000);
    await catalog.create({
      event_id: 'evt-3',
      source: 'simulated',
      source_event_id: '3',
      name: 'Cached',
      venue: 'Hall',
      timezone: 'UTC',
      starts_at: Date.UTC(2027, 0, 1),
      capacity: 1_500,
    });
    expect(await catalog.capacityOf('evt-3')).toBe(1_500);
    expect(calls.capacities).toBe(1);
  });
});
