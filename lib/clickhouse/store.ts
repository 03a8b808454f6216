// The only module that opens ClickHouse. Embedded mode runs chDB in this process through
// @clickhouse/client's pluggable connection; server mode is a plain HTTP client on CLICKHOUSE_URL.
// Writes and reads use separate connections, so API reads do not queue behind ingest batches.
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { DEFAULT_INGEST_LANES, type Config } from '../config.ts';
import { StoreQueryError, StoreUnavailableError } from '../errors.ts';
import { redactUrlsIn } from '../secrets.ts';
import { classifyCode } from './error-codes.ts';
import { ddlFor, ddlSettings } from './cluster.ts';
import { inlineParams, sqlString } from './inline-params.ts';
import { FaultSwitch } from './faults.ts';
import { clickhouseAccessError, clickhouseTls } from './tls.ts';
import { WriteSessions } from './write-sessions.ts';

export type QueryParams = Record<string, unknown>;

/**
 * ClickHouse settings by name, in a type of our own: callers never import the driver's. The ones
 * callers use are spelled out; any other setting passes by name.
 */
export interface QuerySettings {
  readonly?: '0' | '1' | '2';
  max_execution_time?: number;
  max_result_rows?: string;
  result_overflow_mode?: 'throw' | 'break';
  max_memory_usage?: string;
  mutations_sync?: '0' | '1' | '2';
  [setting: string]: string | number | boolean | undefined;
}

export interface InsertOptions {
  /** Deterministic token: a block re-sent with the same token is dropped by ClickHouse. */
  dedupToken?: string;
  /**
   * Rows are arrays in this column order, sent as JSONCompactEachRow with plain DateTime parsing
   * (times as chDateTime strings): about twice the rows per second of objects, for the big tables.
   */
  columns?: readonly string[];
}

export interface EncodedInsert {
  table: string;
  columns: readonly string[];
  /** The SELECT list over the decoded rows, aliased `w`. */
  select: string;
  format: 'AvroConfluent';
  /** Column structure of the decoded rows, e.g. "id String, n Int32". */
  structure: string;
  body: Buffer;
  dedupToken: string;
  /** e.g. format_avro_schema_registry_url. */
  formatSettings?: Record<string, string | number>;
}

export interface Store {
  readonly mode: 'embedded' | 'server';
  readonly database: string;
  /** Server mode on a cluster (TWS_CLICKHOUSE_CLUSTER): DDL is rendered ON CLUSTER (cluster.ts). */
  readonly cluster?: string;
  /** Typed rows of a SELECT, on the read connection; parameters are always bound. */
  query<T>(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<T[]>;
  /**
   * A read of the ingest path (consumers: ledger, duplicate lookups, rollup emission). Embedded, it
   * runs on a connection of its own with its parameters bound client-side (inline-params.ts), so it
   * never queues ahead of API reads in chdb-node's process-wide chain of parameterized queries.
   */
  ingestQuery<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /**
   * Untrusted read-only SQL (analysts) with restrictive settings, on a connection of its own: chDB
   * keeps settings on the connection's session, and readonly=1 can never be lifted again there.
   */
  sandboxQuery<T>(sql: string, params: QueryParams | undefined, settings: QuerySettings): Promise<T[]>;
  /** DDL or other statements without a result, on the write connection. */
  command(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<void>;
  insert(table: string, rows: readonly object[], opts?: InsertOptions): Promise<void>;
  /**
   * INSERT … SELECT over bytes in a format ClickHouse decodes itself (the engine-native ingest):
   * `select` reads the decoded rows as `w`. Embedded, the bytes go through a temporary file read
   * with file() (chDB's connection takes request bodies as UTF-8 text, which binary formats are
   * not); on a server they are the request body, read with input(). The statement is otherwise
   * the same. Same dedup settings as insert().
   */
  insertEncoded(opts: EncodedInsert): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** Test and chaos hook: make writes fail as if the server were down. */
  readonly faults: FaultSwitch;
}

/**
 * What every insert states. The token always, empty when it has none: chDB keeps settings on the
 * session, so an insert that said nothing would reuse the previous insert's token and be dropped.
 */
function insertSettings(dedupToken: string, background: ClickHouseSettings): ClickHouseSettings {
  return {
    ...background,
    insert_deduplicate: 1,
    insert_deduplication_token: dedupToken,
    // Dedup by the token for INSERT … SELECT too, whatever ClickHouse thinks of the SELECT.
    deduplicate_insert_select: 'enable_even_for_bad_queries',
    // The snapshot tables and rollups are materialized views of what is inserted: drop a re-sent
    // block there too.
    deduplicate_blocks_in_dependent_materialized_views: 1,
    // One parsing thread per insert: parallel parsing of 10k-row blocks bought ~15 % insert speed
    // for ~20 % more CPU, taken from the reads and the consumer on a small machine (issue 7).
    input_format_parallel_parsing: 0,
  } as ClickHouseSettings;
}

/**
 * Ingest work runs at a lower OS priority than reads (issue 12: a backlog being ingested took the
 * cores from API reads). ClickHouse renices the query's threads for its duration; it does so only
 * where it has CAP_SYS_NICE (root, or the server package's capability) and otherwise ignores it.
 */
function backgroundSettings(nice: number): ClickHouseSettings {
  return (nice > 0 ? { os_thread_priority: nice } : {}) as ClickHouseSettings;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Our settings as the driver types them: the same names and values, which ClickHouse checks. */
const toDriverSettings = (s: QuerySettings | undefined): ClickHouseSettings | undefined => s as ClickHouseSettings;

/** Turns driver errors into the project's typed errors, keeping ClickHouse's code and type. */
export function translateError(err: unknown, what: string): Error {
  if (err instanceof StoreUnavailableError || err instanceof StoreQueryError) return err;
  // A refused login or certificate names its setting (lib/clickhouse/tls.ts); no retry helps.
  const denied = clickhouseAccessError(err);
  if (denied) return denied;
  const e = err as { code?: string | number; type?: string; message?: string; cause?: { code?: string } };
  const code = e?.code === undefined ? undefined : String(e.code);
  // A URL in ClickHouse's message may carry credentials (the registry's, for AvroConfluent).
  const msg = redactUrlsIn(e?.message ?? String(err));
  // A ClickHouse error code decides first: its message may say "timeout" for other reasons.
  if (code !== undefined && /^\d+$/.test(code)) {
    if (classifyCode(code).retriable) return new StoreUnavailableError(`ClickHouse busy during ${what}: ${msg}`, err);
    return new StoreQueryError(`ClickHouse rejected ${what}: ${msg}`, code, e?.type, err);
  }
  if (
    (code && NETWORK_CODES.has(code)) ||
    (e?.cause?.code && NETWORK_CODES.has(e.cause.code)) ||
    /timeout|socket hang up|ECONNREFUSED|fetch failed/i.test(msg)
  ) {
    return new StoreUnavailableError(`ClickHouse unreachable during ${what}: ${msg}`, err);
  }
  return new StoreQueryError(`ClickHouse rejected ${what}: ${msg}`, code, e?.type, err);
}

/** The storage policy of the embedded engine: a hot disk and an archive disk, as in deploy/clickhouse. */
export function embeddedStorageConfig(path: string): string {
  return `<clickhouse>
  <storage_configuration>
    <disks>
      <tws_hot><path>${join(path, 'disks', 'hot')}/</path></tws_hot>
      <tws_archive><path>${join(path, 'disks', 'archive')}/</path></tws_archive>
    </disks>
    <policies>
      <tws_tiered>
        <volumes>
          <hot><disk>tws_hot</disk></hot>
          <archive><disk>tws_archive</disk></archive>
        </volumes>
        <move_factor>0</move_factor>
      </tws_tiered>
    </policies>
  </storage_configuration>
</clickhouse>
`;
}

// chDB allows one engine per process; keep the session that loaded the config alive for its life.
let embeddedEngine: { path: string; session: { close?: () => void; cleanup?: () => void } } | undefined;

async function openEmbedded(path: string): Promise<() => ClickHouseClient> {
  // Loaded lazily so that server mode never loads the native library.
  const { Session } = await import('chdb');
  const { createChdbConnection } = await import('chdb/connection');
  if (!embeddedEngine) {
    mkdirSync(path, { recursive: true });
    const configFile = join(path, 'tws-storage.xml');
    writeFileSync(configFile, embeddedStorageConfig(path));
    // createChdbConnection ignores connectionArgs, so a Session at the same path loads the config first.
    let session: unknown;
    try {
      session = new Session(path, { connectionArgs: [`--config-file=${configFile}`] } as never);
    } catch (err) {
      const inUse = /lock|already running/i.test(
        String((err as Error)?.message ?? err) + String((err as Error)?.cause ?? ''),
      );
      throw new StoreUnavailableError(
        inUse
          ? `the embedded ClickHouse at ${path} is in use by another process: embedded mode allows one process per data directory (stop the other tws process, or use a ClickHouse server via CLICKHOUSE_URL)`
          : `cannot open the embedded ClickHouse at ${path}: ${(err as Error)?.message ?? err}`,
        err,
      );
    }
    embeddedEngine = { path, session: session as never };
  } else if (embeddedEngine.path !== path) {
    throw new StoreQueryError(
      `chDB is already open at ${embeddedEngine.path} in this process; one data path per process`,
    );
  }
  return () => {
    try {
      return createClient({ connection: createChdbConnection({ path }) } as never);
    } catch (err) {
      throw openError(path, err);
    }
  };
}

function openError(path: string, err: unknown): StoreUnavailableError {
  const text = `${(err as Error)?.message ?? err} ${String((err as Error)?.cause ?? '')}`;
  return new StoreUnavailableError(
    /lock|already running/i.test(text)
      ? `the embedded ClickHouse at ${path} is in use by another process: embedded mode allows one process per data directory (stop the other tws process, or use a ClickHouse server via CLICKHOUSE_URL)`
      : `cannot open the embedded ClickHouse at ${path}: ${(err as Error)?.message ?? err}`,
    err,
  );
}

export async function createStore(cfg: Config['clickhouse']): Promise<Store> {
  const database = cfg.database;
  let makeClient: () => ClickHouseClient;
  if (cfg.mode === 'embedded') {
    makeClient = await openEmbedded(cfg.path);
  } else {
    const tls = clickhouseTls(cfg);
    makeClient = () =>
      createClient({
        url: cfg.url,
        username: cfg.user,
        password: cfg.password,
        ...(tls && { tls }),
        database,
        request_timeout: 60_000,
        clickhouse_settings: { date_time_input_format: 'best_effort' },
      });
  }
  const bootstrap =
    cfg.mode === 'embedded'
      ? makeClient()
      : createClient({
          url: cfg.url,
          username: cfg.user,
          password: cfg.password,
          ...(cfg.tls && { tls: clickhouseTls(cfg) }),
          request_timeout: 30_000,
        });
  const cluster = cfg.mode === 'server' ? cfg.cluster : undefined;
  try {
    for (const query of ddlFor({ cluster, database }, `CREATE DATABASE IF NOT EXISTS ${database}`))
      await bootstrap.command({ query, clickhouse_settings: ddlSettings({ cluster }) });
  } catch (err) {
    throw translateError(err, 'CREATE DATABASE');
  } finally {
    if (cfg.mode === 'server') await bootstrap.close();
  }
  const writer = cfg.mode === 'embedded' ? bootstrap : makeClient();
  // Embedded: one more write session per extra ingest lane (write-sessions.ts).
  const writers = [
    writer,
    ...Array.from(
      { length: cfg.mode === 'embedded' ? (cfg.writeSessions ?? DEFAULT_INGEST_LANES.alone) - 1 : 0 },
      makeClient,
    ),
  ];
  const reader = makeClient();
  // Over HTTP, settings are per request, so the reader can serve sandboxed queries too.
  const sandbox = cfg.mode === 'embedded' ? makeClient() : reader;
  const ingestReader = cfg.mode === 'embedded' ? makeClient() : reader;
  if (cfg.mode === 'embedded') {
    // chDB connections ignore the `database` option; USE sticks to the connection.
    for (const c of [...writers, reader, sandbox, ingestReader]) await c.command({ query: `USE ${database}` });
  }
  let scratchDir: string | undefined;
  if (cfg.mode === 'embedded') {
    // Staged bytes of inserts a crash interrupted are never needed again: the range is re-sent.
    scratchDir = join(cfg.path, 'ingest-staging');
    rmSync(scratchDir, { recursive: true, force: true });
    mkdirSync(scratchDir, { recursive: true });
  }
  const store = new ClickHouseStore(
    cfg.mode,
    database,
    { writers: new WriteSessions(writers), reader, sandbox, ingestReader },
    backgroundSettings(cfg.ingestNice ?? 0),
    scratchDir,
  );
  store.cluster = cluster;
  return store;
}

class ClickHouseStore implements Store {
  readonly faults = new FaultSwitch();
  /** Set once by createStore (server mode on a cluster). */
  cluster?: string;
  private readonly writers: WriteSessions;
  private readonly reader: ClickHouseClient;
  private readonly sandbox: ClickHouseClient;
  private readonly ingestReader: ClickHouseClient;

  constructor(
    readonly mode: 'embedded' | 'server',
    readonly database: string,
    clients: Record<'reader' | 'sandbox' | 'ingestReader', ClickHouseClient> & { writers: WriteSessions },
    /** Settings of ingest work: every write and the consumers' reads (backgroundSettings). */
    private readonly background: ClickHouseSettings,
    /** Embedded: where insertEncoded stages its bytes for file(). */
    private readonly scratchDir?: string,
  ) {
    ({ writers: this.writers, reader: this.reader, sandbox: this.sandbox, ingestReader: this.ingestReader } = clients);
  }

  ingestQuery<T>(sql: string, params?: QueryParams): Promise<T[]> {
    const settings = this.background as QuerySettings;
    if (this.mode === 'server') return this.select<T>(this.reader, sql, params, settings);
    return this.select<T>(this.ingestReader, params ? inlineParams(sql, params) : sql, undefined, settings);
  }

  sandboxQuery<T>(sql: string, params: QueryParams | undefined, settings: QuerySettings): Promise<T[]> {
    return this.select<T>(this.sandbox, sql, params, settings);
  }

  query<T>(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<T[]> {
    return this.select<T>(this.reader, sql, params, settings);
  }

  private async select<T>(
    client: ClickHouseClient,
    sql: string,
    params?: QueryParams,
    settings?: QuerySettings,
  ): Promise<T[]> {
    this.faults.check('read');
    try {
      const rs = await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        // Same number shapes in both modes: 64-bit integers as JSON numbers (chDB's default).
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0, ...toDriverSettings(settings) },
      });
      return await rs.json<T>();
    } catch (err) {
      throw translateError(err, 'query');
    }
  }

  async command(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<void> {
    this.faults.check('write');
    try {
      await this.writers.primary.command({
        query: sql,
        query_params: params,
        clickhouse_settings: toDriverSettings(settings),
      });
    } catch (err) {
      throw translateError(err, 'command');
    }
  }

  async insert(table: string, rows: readonly object[], opts: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    this.faults.check('write');
    const compact = opts.columns !== undefined;
    const settings: ClickHouseSettings = {
      ...insertSettings(opts.dedupToken ?? '', this.background),
      date_time_input_format: compact ? 'basic' : 'best_effort',
    };
    try {
      await this.writers.run((writer) =>
        writer.insert({
          table,
          values: rows as object[],
          ...(compact ? { columns: [...opts.columns!] as [string, ...string[]] } : {}),
          format: compact ? 'JSONCompactEachRow' : 'JSONEachRow',
          clickhouse_settings: settings,
        }),
      );
    } catch (err) {
      throw translateError(err, `insert into ${table}`);
    }
  }

  async insertEncoded(opts: EncodedInsert): Promise<void> {
    this.faults.check('write');
    const head = `INSERT INTO ${opts.table} (${opts.columns.join(', ')}) SELECT ${opts.select}`;
    const settings = { ...insertSettings(opts.dedupToken, this.background), ...opts.formatSettings };
    try {
      if (this.mode === 'server') {
        await this.writers.run((writer) =>
          writer.exec({
            query: `${head} FROM input(${sqlString(opts.structure)}) AS w FORMAT ${opts.format}`,
            values: Readable.from([opts.body]),
            clickhouse_settings: settings,
          }),
        );
        return;
      }
      const file = join(this.scratchDir!, `${randomUUID()}.bin`);
      await writeFile(file, opts.body);
      try {
        await this.writers.run((writer) =>
          writer.command({
            query: `${head} FROM file(${sqlString(file)}, ${sqlString(opts.format)}, ${sqlString(opts.structure)}) AS w`,
            clickhouse_settings: settings,
          }),
        );
      } finally {
        await rm(file, { force: true });
      }
    } catch (err) {
      throw translateError(err, `insert into ${opts.table}`);
    }
  }

  async ping(): Promise<boolean> {
    try {
      this.faults.check('read');
      const r = await this.reader.ping();
      return r.success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      ...this.writers.all.map((w) => w.close()),
      this.reader.close(),
      this.sandbox === this.reader ? undefined : this.sandbox.close(),
      this.ingestReader === this.reader ? undefined : this.ingestReader.close(),
    ]);
  }
}
