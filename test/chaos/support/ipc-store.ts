// A store shared by several consumer processes. Embedded chDB allows one process per data directory,
// while two consumers of one group must write to one ClickHouse (the offset ledger lives there). So
// the test process owns the real store (lib/clickhouse/store.ts, embedded) and serves it to its
// consumer children over the Node IPC channel, the way a ClickHouse server serves its clients: a
// child killed in the middle of an insert leaves the insert to complete or fail on the "server".
import type { ChildProcess } from 'node:child_process';
import { FaultSwitch } from '../../../lib/clickhouse/faults.ts';
import type { EncodedInsert, InsertOptions, QueryParams, QuerySettings, Store } from '../../../lib/clickhouse/store.ts';
import { StoreQueryError, StoreUnavailableError, errorMessage } from '../../../lib/errors.ts';

type Op =
  | { op: 'query'; sql: string; params?: QueryParams; settings?: QuerySettings }
  | { op: 'command'; sql: string; params?: QueryParams; settings?: QuerySettings }
  | { op: 'insert'; table: string; rows: readonly object[]; opts?: InsertOptions }
  // The body travels as base64: the IPC channel's JSON would turn a Buffer into an array of numbers.
  | { op: 'insertEncoded'; opts: Omit<EncodedInsert, 'body'> & { body: string } }
  | { op: 'ping' };

export type StoreRequest = { type: 'store'; id: number } & Op;

interface WireError {
  kind: 'unavailable' | 'query';
  message: string;
  chCode?: string;
  chType?: string;
}

export type StoreReply = { type: 'store:reply'; id: number } & (
  { ok: true; value: unknown } | { ok: false; error: WireError }
);

const toWire = (err: unknown): WireError =>
  err instanceof StoreQueryError
    ? { kind: 'query', message: err.message, chCode: err.chCode, chType: err.chType }
    : { kind: 'unavailable', message: errorMessage(err) };

const fromWire = (e: WireError): Error =>
  e.kind === 'query' ? new StoreQueryError(e.message, e.chCode, e.chType) : new StoreUnavailableError(e.message);

/** Parent side: answers a child's store requests from `store` until the child goes away. */
export function serveStore(child: ChildProcess, store: Store): void {
  child.on('message', (raw: unknown) => {
    const m = raw as StoreRequest;
    if (!m || m.type !== 'store') return;
    const run = async (): Promise<unknown> => {
      switch (m.op) {
        case 'query':
          return store.query(m.sql, m.params, m.settings);
        case 'command':
          return store.command(m.sql, m.params, m.settings);
        case 'insert':
          return store.insert(m.table, m.rows, m.opts);
        case 'insertEncoded':
          return store.insertEncoded({ ...m.opts, body: Buffer.from(m.opts.body, 'base64') });
        case 'ping':
          return store.ping();
      }
    };
    run().then(
      (value) => reply(child, { type: 'store:reply', id: m.id, ok: true, value }),
      (err: unknown) => reply(child, { type: 'store:reply', id: m.id, ok: false, error: toWire(err) }),
    );
  });
}

function reply(child: ChildProcess, msg: StoreReply): void {
  if (!child.connected) return; // killed: the "server" finished the work for nobody
  // With a callback, a send that fails later (EPIPE: the child was SIGKILLed in between) reports
  // there instead of as an 'error' event nobody handles; the work was done for nobody either way.
  try {
    child.send(msg, () => {});
  } catch {
    /* the channel closed in between */
  }
}

/** Child side: the Store interface over the IPC channel to the parent. */
export class RemoteStore implements Store {
  readonly mode = 'server' as const;
  readonly faults = new FaultSwitch();
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(readonly database = 'tws') {
    if (!process.send) throw new Error('RemoteStore needs an IPC channel to the parent process');
    process.on('message', (raw: unknown) => {
      const m = raw as StoreReply;
      if (!m || m.type !== 'store:reply') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(fromWire(m.error));
    });
    process.on('disconnect', () => {
      for (const p of this.pending.values()) p.reject(new StoreUnavailableError('the store process went away'));
      this.pending.clear();
    });
  }

  private call<T>(op: Op): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.next++;
      if (!process.connected) return reject(new StoreUnavailableError('the store process went away'));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      process.send!({ type: 'store', id, ...op } satisfies StoreRequest, (err: Error | null) => {
        if (!err) return;
        this.pending.delete(id);
        reject(new StoreUnavailableError(`the store process went away: ${err.message}`));
      });
    });
  }

  async query<T>(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<T[]> {
    this.faults.check('read');
    return this.call<T[]>({ op: 'query', sql, params, settings });
  }

  /** Over IPC there is no parameter chain to avoid: an ordinary query. */
  ingestQuery<T>(sql: string, params?: QueryParams): Promise<T[]> {
    return this.query<T>(sql, params);
  }

  /** Consumers never run analyst SQL; over IPC it is an ordinary query with the given settings. */
  sandboxQuery<T>(sql: string, params: QueryParams | undefined, settings: QuerySettings): Promise<T[]> {
    return this.query<T>(sql, params, settings);
  }

  async command(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<void> {
    this.faults.check('write');
    return this.call<void>({ op: 'command', sql, params, settings });
  }

  async insert(table: string, rows: readonly object[], opts?: InsertOptions): Promise<void> {
    if (rows.length === 0) return;
    this.faults.check('write');
    return this.call<void>({ op: 'insert', table, rows, opts });
  }

  async insertEncoded(opts: EncodedInsert): Promise<void> {
    this.faults.check('write');
    return this.call<void>({ op: 'insertEncoded', opts: { ...opts, body: opts.body.toString('base64') } });
  }

  async ping(): Promise<boolean> {
    try {
      this.faults.check('read');
      return await this.call<boolean>({ op: 'ping' });
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}
}
