// Client-side binding of the ingest path's reads (lib/clickhouse/inline-params.ts): values that may
// come from Kafka records reach the real engine as the same values, never as SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParamBindError, inlineParams, sqlLiteral } from '../../lib/clickhouse/inline-params.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { testConfig } from '../helpers/env.ts';

let store: Store;
beforeAll(async () => {
  store = await createStore(testConfig().clickhouse);
});
afterAll(async () => {
  await store.close();
});

describe('inline query parameters', () => {
  it('writes typed literals and refuses what it cannot write exactly', () => {
    expect(inlineParams('SELECT {a:String}, {n:UInt32}', { a: "it's", n: 3 })).toBe(
      "SELECT CAST('it\\'s' AS String), CAST(3 AS UInt32)",
    );
    expect(sqlLiteral(['a', null, 2])).toBe("['a', NULL, 2]");
    expect(() => sqlLiteral(Number.NaN)).toThrow(ParamBindError);
    expect(() => sqlLiteral({ a: 1 })).toThrow(ParamBindError);
    expect(() => inlineParams('SELECT {missing:String}', {})).toThrow(/missing/);
  });

  it('round-trips any string and array of strings through the embedded engine unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
        async (s, arr) => {
          const [row] = await store.ingestQuery<{ s: string; arr: string[]; hit: number }>(
            'SELECT {s:String} AS s, {arr:Array(String)} AS arr, {s:String} IN {arr:Array(String)} AS hit',
            { s, arr },
          );
          expect(row).toEqual({ s, arr, hit: arr.includes(s) ? 1 : 0 });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('binds times, integers and empty arrays as the server would', async () => {
    const [row] = await store.ingestQuery<{ t: number; n: number; none: number }>(
      `SELECT toUnixTimestamp64Milli({t:DateTime64(3, 'UTC')}) AS t, {n:Int64} + 1 AS n,
              'x' IN {ids:Array(String)} AS none`,
      { t: '2026-11-26 10:00:00.250', n: 1_700_000_000_000, ids: [] },
    );
    expect(row).toEqual({ t: Date.UTC(2026, 10, 26, 10, 0, 0, 250), n: 1_700_000_000_001, none: 0 });
  });
});
