// The emitter's decisions with fakes for ClickHouse and Kafka: a backlog that closes more windows
// than one step takes is emitted in steps of EMIT_CHUNK, in window order, every window once, each
// step sent before its ledger rows are written.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { silentLogger } from '../../lib/logger.ts';
import { WindowTracker } from '../windows/tracker.ts';
import { EMIT_CHUNK, RollupEmitter } from './rollup-emitter.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

function fakes() {
  const steps: string[] = [];
  const sent: Array<{ event_id: string; zone: string; window_start: number; granularity: string }> = [];
  const ledger: Array<{ event_id: string; window_start: string }> = [];
  const store = {
    ingestQuery: async () => [],
    insert: async (_table: string, rows: Array<{ event_id: string; window_start: string }>) => {
      steps.push(`ledger ${rows.length}`);
      ledger.push(...rows);
    },
  } as unknown as Store;
  const producer = {
    send: async (_topic: string, records: Array<{ value: (typeof sent)[number] }>) => {
      steps.push(`send ${records.length}`);
      sent.push(...records.map((r) => r.value));
    },
  } as unknown as AvroProducer;
  return { steps, sent, ledger, emitter: new RollupEmitter({ store, producer, group: 'g', log: silentLogger }) };
}

describe('RollupEmitter', () => {
  it('emits a backlog of closed windows in steps, in window order, each window once', async () => {
    const tracker = new WindowTracker();
    // 40 zones over enough hours for two and a half steps of hourly windows (and their days): all
    // close at the last record.
    const hours = Math.ceil((2.5 * EMIT_CHUNK) / 40);
    for (let h = 0; h < hours; h++) for (let z = 0; z < 40; z++) tracker.observe('evt', `Zone ${z}`, T0 + h * HOUR);
    tracker.observe('evt', 'Zone 0', T0 + (hours + 48) * HOUR);
    const due = tracker.closable(0).length;
    expect(due).toBeGreaterThan(2 * EMIT_CHUNK);

    const { steps, sent, ledger, emitter } = fakes();
    expect(await emitter.emitDue(tracker, 0, 0)).toBe(due);

    expect(due).toBeLessThan(3 * EMIT_CHUNK);
    const sizes = [EMIT_CHUNK, EMIT_CHUNK, due - 2 * EMIT_CHUNK];
    expect(steps).toEqual(sizes.flatMap((n) => [`send ${n}`, `ledger ${n}`]));
    const keys = sent.map((r) => `${r.granularity}|${r.zone}|${r.window_start}`);
    expect(new Set(keys).size).toBe(due);
    const ends = sent.map((r) => r.window_start + (r.granularity === 'hourly' ? HOUR : 24 * HOUR));
    expect(ends).toEqual([...ends].sort((a, b) => a - b));
    expect(ledger).toHaveLength(due);
    // Nothing is left to emit, and a second pass emits nothing again.
    expect(tracker.closable(0)).toEqual([]);
    expect(await emitter.emitDue(tracker, 0, 0)).toBe(0);
  });
});
