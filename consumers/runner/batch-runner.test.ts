// The exactly-once runner's decisions, in the style of kafkajs's runner spec: fakes for the group,
// the ledger, ClickHouse and the dead-letter topic, no broker. Each test reads the order of what the
// runner did from one event log.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../lib/clickhouse/store.ts';
import { PoisonRecordError, StoreQueryError, StoreUnavailableError } from '../../lib/errors.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import type { GroupConsumer, PartitionBatch } from '../../lib/kafka/group-consumer.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { AvroCodec } from '../../lib/registry/codec.ts';
import { BatchRunner, type BatchHandler, type Prepared, type SourceRecord } from './batch-runner.ts';
import type { LedgerEntry } from './offset-ledger.ts';

const TOPIC = 't';
type Value = { n: number };

class World {
  readonly log: string[] = [];
  readonly ledgerRows = new Map<string, LedgerEntry>();
  /** Failures to inject into the next store writes, in order. */
  storeFailures: Error[] = [];
  eachBatch?: (b: PartitionBatch) => Promise<void>;
  joined: Array<() => void> = [];
  running = true;

  group: GroupConsumer = {
    onJoin: (l) => void this.joined.push(l),
    run: async (fn) => void (this.eachBatch = fn),
    seek: (_t, p, o) => void this.log.push(`seek ${p}@${o}`),
    commit: async (_t, p, o) => void this.log.push(`commit ${p}@${o}`),
    disconnect: async () => void (this.running = false),
  };

  ledger = {
    read: async (_t: string, p: number) => this.ledgerRows.get(`${p}`) ?? null,
    write: async (_t: string, p: number, first: bigint, last: bigint, phase: 'before' | 'after', epoch = 0) => {
      this.failIfAsked();
      this.ledgerRows.set(`${p}`, { first, last, phase, epoch });
      this.log.push(`ledger ${phase} ${p}:${first}-${last}`);
    },
  };

  store = {
    insert: async (table: string, rows: readonly object[], opts?: { dedupToken?: string }) => {
      this.failIfAsked();
      this.log.push(`insert ${table} ${rows.length} ${opts?.dedupToken}`);
    },
  } as unknown as Store;

  dlq = {
    sendRaw: async (_k: string, records: Array<{ headers: Record<string, string> }>) =>
      void this.log.push(`dlq ${records.map((r) => r.headers['tws.dlq.original.offset']).join(',')}`),
  } as unknown as AvroProducer;

  private failIfAsked() {
    const err = this.storeFailures.shift();
    if (err) throw err;
  }

  /** Delivers one batch of `offsets` on `partition`; returns the offsets the runner resolved. */
  async deliver(partition: number, offsets: number[], value = (o: number): Value | 'poison' => ({ n: o })) {
    const resolved: string[] = [];
    await this.eachBatch!({
      topic: TOPIC,
      partition,
      messages: offsets.map((o) => ({
        offset: String(o),
        key: null,
        value: Buffer.from(JSON.stringify(value(o))),
      })),
      resolveOffset: (o) => void resolved.push(o),
      heartbeat: async () => {},
      isRunning: () => this.running,
      isStale: () => false,
    });
    return resolved;
  }
}

const jsonHandler = (extra: Partial<BatchHandler<Value>> = {}): BatchHandler<Value> => ({
  decode: async (buf) => {
    const v = JSON.parse(buf!.toString()) as Value | 'poison';
    if (v === 'poison') throw new PoisonRecordError('bad record', 'decode');
    return v;
  },
  prepare: async (records): Promise<Prepared<Value>> => ({
    inserts: [{ table: 'rows', rows: records.map((r) => r.value) }],
  }),
  ...extra,
});

async function runner(
  world: World,
  handler: BatchHandler<Value>,
  opts: { maxRange?: number; idle?: { afterMs: number; everyMs: number }; sendsDeadLetters?: boolean } = {},
) {
  const r = new BatchRunner<Value>({
    name: 'test',
    kafka: undefined as never,
    store: world.store,
    codec: undefined as unknown as AvroCodec,
    dlq: world.dlq,
    group: 'g',
    topics: [TOPIC],
    handler,
    log: silentLogger,
    maxRangeRecords: opts.maxRange ?? 100,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    join: async () => world.group,
    ledger: world.ledger,
    idle: opts.idle,
    sendsDeadLetters: opts.sendsDeadLetters,
  });
  await r.start();
  return r;
}

describe('BatchRunner', () => {
  it('writes the ledger before, the rows, the ledger after, and only then commits', async () => {
    const w = new World();
    await runner(w, jsonHandler());
    expect(await w.deliver(0, [0, 1, 2])).toEqual(['0', '1', '2']);
    expect(w.log).toEqual(['ledger before 0:0-2', 'insert rows 3 g:t:0:0-2:rows', 'ledger after 0:0-2', 'commit 0@3']);
  });

  it('cuts ranges at maxRangeRecords, each with its own token', async () => {
    const w = new World();
    await runner(w, jsonHandler(), { maxRange: 2 });
    await w.deliver(0, [0, 1, 2]);
    expect(w.log.filter((l) => l.startsWith('insert'))).toEqual([
      'insert rows 2 g:t:0:0-1:rows',
      'insert rows 1 g:t:0:2-2:rows',
    ]);
  });

  it('skips a redelivery the ledger says is written, and commits nothing for it', async () => {
    const w = new World();
    w.ledgerRows.set('0', { first: 0n, last: 4n, phase: 'after', epoch: 0 });
    const r = await runner(w, jsonHandler());
    expect(await w.deliver(0, [0, 1, 2, 3, 4])).toEqual(['0', '1', '2', '3', '4']);
    expect(w.log).toEqual([]);
    expect(r.stats.skipped).toBe(5);
  });

  it('rebuilds a crashed range exactly, across batches, under the same token', async () => {
    const w = new World();
    w.ledgerRows.set('0', { first: 10n, last: 14n, phase: 'before', epoch: 0 });
    await runner(w, jsonHandler(), { maxRange: 2 });
    // The fetch resumed past the range: the runner moves it back first.
    await w.deliver(0, [12, 13]);
    expect(w.log).toEqual(['seek 0@10']);
    await w.deliver(0, [10, 11, 12]);
    await w.deliver(0, [13, 14, 15]);
    expect(w.log.slice(1)).toEqual([
      'ledger before 0:10-14',
      'insert rows 5 g:t:0:10-14:rows',
      'ledger after 0:10-14',
      'commit 0@15',
      'ledger before 0:15-15',
      'insert rows 1 g:t:0:15-15:rows',
      'ledger after 0:15-15',
      'commit 0@16',
    ]);
  });

  it('dead-letters a poison record before the range is written, and writes the rest', async () => {
    const w = new World();
    await runner(w, jsonHandler());
    await w.deliver(0, [0, 1, 2], (o) => (o === 1 ? 'poison' : { n: o }));
    expect(w.log).toEqual([
      'dlq 1',
      'ledger before 0:0-2',
      'insert rows 2 g:t:0:0-2:rows',
      'ledger after 0:0-2',
      'commit 0@3',
    ]);
  });

  it('a group that does not dead-letter (the lifecycle) skips the poison record and writes the rest', async () => {
    const w = new World();
    const r = await runner(w, jsonHandler(), { sendsDeadLetters: false });
    await w.deliver(0, [0, 1, 2], (o) => (o === 1 ? 'poison' : { n: o }));
    expect(w.log).toEqual(['ledger before 0:0-2', 'insert rows 2 g:t:0:0-2:rows', 'ledger after 0:0-2', 'commit 0@3']);
    expect(r.stats.deadLettered).toBe(1);
  });

  it('backs off while ClickHouse is down, commits nothing meanwhile, then writes the range once', async () => {
    const w = new World();
    const r = await runner(w, jsonHandler());
    const states: string[] = [];
    w.storeFailures = [new StoreUnavailableError('down'), new StoreUnavailableError('down')];
    const watcher = setInterval(() => states.push(r.state), 1);
    await w.deliver(0, [0]);
    clearInterval(watcher);
    expect(states).toContain('backing-off');
    expect(r.state).toBe('running');
    expect(w.log.filter((l) => l.startsWith('commit'))).toEqual(['commit 0@1']);
    expect(w.log.filter((l) => l.startsWith('ledger after'))).toEqual(['ledger after 0:0-0']);
    expect(r.stats.retries).toBe(2);
  });

  it('isolates a record ClickHouse rejects in the middle of 1,000 by bisection; every other record is written once', async () => {
    const w = new World();
    const bad = 500;
    const written: number[] = [];
    const tokens: string[] = [];
    const handler = jsonHandler({
      prepare: async (records) => ({
        encoded: {
          table: 'landing',
          records,
          write: async (subset: SourceRecord<Value>[], token: string) => {
            tokens.push(token);
            if (subset.some((r) => r.value.n === bad)) throw new StoreQueryError('AVRO_EXCEPTION: EOF reached', '748');
            written.push(...subset.map((r) => r.value.n));
          },
        },
      }),
    });
    const r = await runner(w, handler, { maxRange: 1000 });
    await w.deliver(
      0,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((n) => n !== bad));
    expect(w.log.filter((l) => l.startsWith('dlq'))).toEqual([`dlq ${bad}`]);
    expect(w.log.at(-1)).toBe('commit 0@1000');
    // The whole range first, then halves named by their own first and last offsets.
    expect(tokens[0]).toBe('g:t:0:0-999:landing');
    expect(tokens).toContain('g:t:0:0-499:landing');
    expect(tokens).toContain('g:t:0:500-500:landing');
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(r.stats.deadLettered).toBe(1);
  });

  it('writes the replacement a handler names for a rejected record, and publishes exactly what got in', async () => {
    // Offsets 1 and 3 are copies of one snapshot; the handler left 3 out as a duplicate of 1. When
    // ClickHouse rejects 1's bytes, 3 is written in its place instead of the snapshot being lost.
    const w = new World();
    const written: number[] = [];
    let published: number[] = [];
    const handler = jsonHandler({
      prepare: async (records) => ({
        encoded: {
          table: 'landing',
          records: records.filter((r) => r.value.n !== 3),
          write: async (subset: SourceRecord<Value>[]) => {
            if (subset.some((r) => r.value.n === 1)) throw new StoreQueryError('AVRO_EXCEPTION: EOF reached', '748');
            written.push(...subset.map((r) => r.value.n));
          },
          replacementsFor: (rejected) =>
            rejected.some((r) => r.value.n === 1) ? records.filter((r) => r.value.n === 3) : [],
        },
        publish: async (inClickHouse) => void (published = inClickHouse.map((r) => r.value.n)),
      }),
    });
    await runner(w, handler);
    await w.deliver(0, [0, 1, 2, 3, 4]);
    expect(written.sort()).toEqual([0, 2, 3, 4]);
    expect(published.sort()).toEqual([0, 2, 3, 4]);
    expect(w.log.filter((l) => l.startsWith('dlq'))).toEqual(['dlq 1']);
    expect(w.log.at(-1)).toBe('commit 0@5');
  });

  it('does not bisect on errors that are not about the data: it retries the whole range', async () => {
    const w = new World();
    let calls = 0;
    const handler = jsonHandler({
      prepare: async (records) => ({
        encoded: {
          table: 'landing',
          records,
          write: async () => {
            if (++calls < 3) throw new StoreQueryError('UNKNOWN_TABLE', '60');
          },
        },
      }),
    });
    const r = await runner(w, handler);
    await w.deliver(0, [0, 1, 2, 3]);
    expect(calls).toBe(3);
    expect(w.log.filter((l) => l.startsWith('dlq'))).toEqual([]);
    expect(r.stats.bisections).toBe(0);
  });

  it('publishes side outputs after the rows and before the ledger says after', async () => {
    const w = new World();
    const handler = jsonHandler({
      prepare: async (records) => ({
        inserts: [{ table: 'rows', rows: records.map((x) => x.value) }],
        publish: async (written) => void w.log.push(`publish ${written.length}`),
        afterWrite: async () => void w.log.push('after-write'),
      }),
    });
    await runner(w, handler);
    await w.deliver(0, [0, 1]);
    expect(w.log).toEqual([
      'ledger before 0:0-1',
      'insert rows 2 g:t:0:0-1:rows',
      'publish 2',
      'ledger after 0:0-1',
      'after-write',
      'commit 0@2',
    ]);
  });

  it('keeps running its idle hook after a backoff (the tick used to stop for good)', async () => {
    const w = new World();
    let idle = 0;
    const r = await runner(w, jsonHandler({ onIdle: async () => void idle++ }), { idle: { afterMs: 0, everyMs: 5 } });
    // Hold the runner in backing-off for several ticks: writes fail until the failures are cleared.
    w.storeFailures = Array.from({ length: 1000 }, () => new StoreUnavailableError('down'));
    const delivered = w.deliver(0, [0]);
    await until(() => r.state === 'backing-off');
    const idleBefore = idle;
    await new Promise((res) => setTimeout(res, 50)); // a window of ~10 idle ticks while backing off
    expect(idle).toBe(idleBefore); // the hook never runs during a backoff
    w.storeFailures = [];
    await delivered;
    expect(r.state).toBe('running');
    await until(() => idle > idleBefore);
    await r.stop();
  });

  it('with partitions side by side, backs off until every retrying partition got through', async () => {
    const w = new World();
    // Each partition's prepare fails until its gate opens.
    const open = new Set<number>();
    const r = await runner(
      w,
      jsonHandler({
        prepare: async (records, where) => {
          if (!open.has(where.partition)) throw new StoreUnavailableError(`down for ${where.partition}`);
          return { inserts: [{ table: 'rows', rows: records.map((x) => x.value) }] };
        },
      }),
    );
    const p0 = w.deliver(0, [0]);
    const p1 = w.deliver(1, [0]);
    await until(() => r.stats.retries >= 4);
    open.add(1);
    await p1;
    expect(r.state).toBe('backing-off'); // partition 0 still retries
    open.add(0);
    await p0;
    expect(r.state).toBe('running');
    expect(w.log.filter((l) => l.startsWith('commit')).sort()).toEqual(['commit 0@1', 'commit 1@1']);
  });

  it('is running again when a retried batch is abandoned (partition reassigned)', async () => {
    const w = new World();
    const r = await runner(w, jsonHandler());
    w.storeFailures = Array.from({ length: 1000 }, () => new StoreUnavailableError('down'));
    let stale = false;
    const abandoned = w.eachBatch!({
      topic: TOPIC,
      partition: 0,
      messages: [{ offset: '0', key: null, value: Buffer.from('{"n":0}') }],
      resolveOffset: () => {},
      heartbeat: async () => {},
      isRunning: () => true,
      isStale: () => stale,
    });
    await until(() => r.state === 'backing-off');
    stale = true;
    await abandoned;
    // The new owner writes the range; this member has nothing left to retry.
    expect(r.state).toBe('running');
    expect(w.log.filter((l) => l.startsWith('commit'))).toEqual([]);
  });

  it('stops while backing off: the write is abandoned uncommitted, the state ends stopped', async () => {
    const w = new World();
    const r = await runner(w, jsonHandler());
    w.storeFailures = Array.from({ length: 1000 }, () => new StoreUnavailableError('down'));
    const delivered = w.deliver(0, [0]).catch((e: unknown) => e);
    await until(() => r.state === 'backing-off');
    await r.stop(1_000);
    await delivered;
    expect(r.state).toBe('stopped');
    expect(w.log.filter((l) => l.startsWith('commit') || l.startsWith('ledger after'))).toEqual([]);
  });

  it('forgets partition state on a rebalance and reloads it from the ledger', async () => {
    const w = new World();
    await runner(w, jsonHandler());
    await w.deliver(0, [0, 1]);
    // Another member wrote 2..9 meanwhile; after the rejoin this member must not rewrite them.
    w.ledgerRows.set('0', { first: 2n, last: 9n, phase: 'after', epoch: 0 });
    for (const l of w.joined) l();
    w.log.length = 0;
    await w.deliver(0, [8, 9, 10]);
    expect(w.log).toEqual([
      'ledger before 0:10-10',
      'insert rows 1 g:t:0:10-10:rows',
      'ledger after 0:10-10',
      'commit 0@11',
    ]);
  });
});

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 1));
  }
}
