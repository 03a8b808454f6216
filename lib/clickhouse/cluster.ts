// Cluster-ready DDL: the migrations are written for one server; with TWS_CLICKHOUSE_CLUSTER set,
// every statement is rendered for a ClickHouse cluster (one shard, N replicas, Keeper) before it
// runs. A pure function over statement text: it rewrites only what must change and fails loudly on
// a statement it does not understand, so a new kind of migration cannot slip through unreplicated.
//
// What changes (docs/exactly-once.md#on-a-clickhouse-cluster says why):
// - every CREATE / ALTER / DROP gets ON CLUSTER, so views and Null tables exist on every replica;
// - MergeTree-family engines become their Replicated* twins with a Keeper path per shard and table;
// - non_replicated_deduplication_window becomes replicated_deduplication_window (tokens are then
//   kept in Keeper and checked by every replica), with an explicit time window;
// - each data table gets a Distributed twin `<table>_all` for reads across every shard.
import { TwsError } from '../errors.ts';
import { closeOf, findKeywords, isKeyword, significant, tokenize, type Token } from './sql-tokens.ts';

export interface ClusterTarget {
  /** The cluster name of the servers' remote_servers (or a macro such as '{cluster}'). */
  cluster: string;
  /** The database the migrations run in (the Distributed twins name it). */
  database: string;
}

export class ClusterDdlError extends TwsError {
  constructor(message: string, sql: string) {
    super(`cluster DDL: ${message} in: ${sql.replace(/\s+/g, ' ').slice(0, 120)}`, { code: 'CLUSTER_DDL_UNSUPPORTED' });
  }
}

/** Keeper path of a replicated table; {shard} and {replica} are each server's macros. */
export const KEEPER_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const REPLICA_NAME = '{replica}';
/**
 * How long Keeper keeps insert tokens. A `before` range is replayed only while Kafka still holds
 * its records, and the snapshots topic keeps them 7 days (TWS_SNAPSHOT_RETENTION_HOURS); the
 * server default (1 hour) would let a range replayed after a long outage be written twice.
 */
export const DEDUP_WINDOW_SECONDS = 7 * 24 * 3600;
/** Suffix of the Distributed twin of a data table. */
export const DISTRIBUTED_SUFFIX = '_all';
/** Bookkeeping tables: read by the pipeline on the replica it writes, never across shards. */
export const LOCAL_ONLY_TABLES = new Set(['schema_migrations', 'sink_offsets', 'rollup_emissions', 'managed_views']);
/**
 * Settings for every rendered statement: an ALTER returns once every replica applied it (a
 * Distributed twin re-created right after must see the new columns everywhere).
 */
export const CLUSTER_DDL_SETTINGS = { alter_sync: '2' } as const;

const MERGE_TREE_FAMILY = new Set([
  'MergeTree',
  'ReplacingMergeTree',
  'SummingMergeTree',
  'AggregatingMergeTree',
  'CollapsingMergeTree',
  'VersionedCollapsingMergeTree',
  'GraphiteMergeTree',
  'CoalescingMergeTree',
]);
/** Engines that hold no data, so they need no replication: the same table on every replica. */
const STATELESS_ENGINES = new Set(['Null']);
const SETTING_RENAMES: Record<string, string> = {
  non_replicated_deduplication_window: 'replicated_deduplication_window',
};
const WINDOW_SECONDS = 'replicated_deduplication_window_seconds';

/** ALTER operations by their leading words; `column` ones also re-create the Distributed twin. */
const ALTER_OPS: Record<string, 'column' | 'settings' | 'table'> = {
  'ADD COLUMN': 'column',
  'DROP COLUMN': 'column',
  'MODIFY COLUMN': 'column',
  'RENAME COLUMN': 'column',
  'COMMENT COLUMN': 'column',
  'CLEAR COLUMN': 'table',
  'MATERIALIZE COLUMN': 'table',
  'MODIFY TTL': 'table',
  'REMOVE TTL': 'table',
  'MATERIALIZE TTL': 'table',
  'MODIFY SETTING': 'settings',
  'RESET SETTING': 'settings',
  'MODIFY QUERY': 'table',
  'MODIFY ORDER': 'table',
  'MODIFY COMMENT': 'table',
  'ADD INDEX': 'table',
  'DROP INDEX': 'table',
  'MATERIALIZE INDEX': 'table',
  'CLEAR INDEX': 'table',
  'ADD PROJECTION': 'table',
  'DROP PROJECTION': 'table',
  'MATERIALIZE PROJECTION': 'table',
  'ADD CONSTRAINT': 'table',
  'DROP CONSTRAINT': 'table',
  'DELETE WHERE': 'table',
  UPDATE: 'table',
};
const ALTER_VERBS = new Set(Object.keys(ALTER_OPS).map((k) => k.split(' ')[0]!));

type ObjectKind = 'replicated' | 'stateless' | 'view';

/**
 * What the statements rendered so far created: render every migration in order through one
 * catalog, applied or not, so that a later ALTER knows whether its table has a Distributed twin.
 */
export class ClusterCatalog {
  readonly kinds = new Map<string, ObjectKind>();
  readonly twins = new Set<string>();
}

interface Name {
  /** Index just past the name in the significant tokens. */
  end: number;
  database: string | undefined;
  table: string;
  text: string;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const unquote = (t: Token) => (t.kind === 'quoted' ? t.text.slice(1, -1) : t.text);
const upper = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : undefined);

function applyEdits(sql: string, edits: Edit[]): string {
  let out = sql;
  // From the end backwards; of two edits at one place, the one made first ends up first.
  const order = edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.start - a.start || b.i - a.i);
  for (const e of order) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/**
 * The statements that replace `sql` on a cluster, in order (the rewritten statement first, then
 * any Distributed twin it needs). Throws ClusterDdlError for anything it cannot render safely.
 */
export function renderForCluster(sql: string, target: ClusterTarget, catalog = new ClusterCatalog()): string[] {
  const text = sql.trim().replace(/;$/, '');
  let toks: Token[];
  try {
    toks = significant(tokenize(text));
  } catch (err) {
    throw new ClusterDdlError(`cannot scan the statement (${(err as Error).message})`, text);
  }
  const r = new Renderer(text, toks, target, catalog);
  switch (upper(toks[0])) {
    case 'CREATE':
      return r.create();
    case 'ALTER':
      return r.alter();
    case 'DROP':
      return r.drop();
    case 'INSERT':
      // One shard: an INSERT … SELECT written through one replica reaches the others by replication.
      return [text];
    default:
      throw new ClusterDdlError(`no cluster rendering for ${upper(toks[0]) ?? 'this'} statements`, text);
  }
}

class Renderer {
  private readonly edits: Edit[] = [];
  private readonly onCluster: string;

  constructor(
    private readonly sql: string,
    private readonly toks: Token[],
    private readonly target: ClusterTarget,
    private readonly catalog: ClusterCatalog,
  ) {
    this.onCluster = ` ON CLUSTER ${literal(target.cluster)}`;
  }

  private fail(message: string): never {
    throw new ClusterDdlError(message, this.sql);
  }

  private word(i: number): string | undefined {
    return upper(this.toks[i]);
  }

  /** Skips an optional keyword sequence; returns the index after it. */
  private skip(i: number, ...words: string[]): number {
    return words.every((w, k) => this.word(i + k) === w) ? i + words.length : i;
  }

  private name(i: number): Name {
    const first = this.toks[i];
    if (!first || (first.kind !== 'word' && first.kind !== 'quoted')) this.fail('expected a name');
    const dotted = this.toks[i + 1]?.text === '.' && this.toks[i + 2];
    const last = dotted ? this.toks[i + 2]! : first;
    const end = dotted ? i + 3 : i + 1;
    if (isKeyword(this.toks[end], 'ON') && isKeyword(this.toks[end + 1], 'CLUSTER'))
      this.fail('the statement already names a cluster; migrations are written for one server');
    return {
      end,
      database: dotted ? unquote(first) : undefined,
      table: unquote(last),
      text: this.sql.slice(first.start, last.end),
    };
  }

  /** Adds ON CLUSTER right after the name. */
  private clusterAfter(n: Name): void {
    const at = this.toks[n.end - 1]!.end;
    this.edits.push({ start: at, end: at, text: this.onCluster });
  }

  private result(...more: string[]): string[] {
    return [applyEdits(this.sql, this.edits), ...more];
  }

  create(): string[] {
    let i = this.skip(1, 'OR', 'REPLACE');
    const orReplace = i === 3;
    const what = this.word(i);
    if (what === 'MATERIALIZED' && this.word(i + 1) === 'VIEW') return this.createView(i + 2, 'materialized');
    if (what === 'VIEW') return this.createView(i + 1, 'plain');
    i = this.skip(i + 1, 'IF', 'NOT', 'EXISTS');
    if (what === 'TABLE') return this.createTable(this.name(i), orReplace);
    if (what === 'DATABASE' || what === 'FUNCTION') {
      this.clusterAfter(this.name(i));
      return this.result();
    }
    return this.fail(`no cluster rendering for CREATE ${what ?? ''}`);
  }

  private createTable(n: Name, orReplace: boolean): string[] {
    if (findKeywords(this.toks, ['AS', 'SELECT'], n.end) >= 0 || findKeywords(this.toks, ['AS', 'WITH'], n.end) >= 0)
      this.fail('CREATE TABLE … AS SELECT is not supported; create the table, then INSERT … SELECT');
    const engine = this.engine(n.end, this.toks.length);
    if (!engine) this.fail('a table needs an explicit ENGINE');
    this.clusterAfter(n);
    this.catalog.kinds.set(n.table, engine);
    if (engine !== 'replicated' || LOCAL_ONLY_TABLES.has(n.table)) return this.result();
    this.catalog.twins.add(n.table);
    return this.result(this.twin(n, orReplace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS'));
  }

  /** The Distributed twin `<table>_all`: no sharding key, so ClickHouse refuses inserts across shards. */
  private twin(n: Name, verb: string): string {
    const db = n.database ?? this.target.database;
    const c = literal(this.target.cluster);
    return `${verb} ${db}.${n.table}${DISTRIBUTED_SUFFIX} ON CLUSTER ${c} AS ${db}.${n.table} ENGINE = Distributed(${c}, ${literal(db)}, ${literal(n.table)})`;
  }

  private createView(i: number, kind: 'materialized' | 'plain'): string[] {
    const n = this.name(this.skip(i, 'IF', 'NOT', 'EXISTS'));
    const as = findKeywords(this.toks, ['AS'], n.end);
    if (as < 0) this.fail('a view needs AS SELECT');
    if (findKeywords(this.toks.slice(0, as), ['POPULATE']) >= 0)
      this.fail('POPULATE is not supported on a cluster (it races with inserts); backfill with INSERT … SELECT');
    if (findKeywords(this.toks.slice(0, as), ['REFRESH']) >= 0)
      this.fail('a refreshable materialized view would refresh on every replica into the same replicated table');
    // A materialized view writes TO a table, or has an inner table of its own, replicated like a table.
    if (kind === 'materialized' && !isKeyword(this.toks[n.end], 'TO') && !this.engine(n.end, as))
      this.fail('a materialized view needs TO <table> or an ENGINE');
    this.clusterAfter(n);
    this.catalog.kinds.set(n.table, 'view');
    return this.result();
  }

  /**
   * Rewrites `ENGINE = X(args)` between `from` and `to` and the SETTINGS after it; returns what the
   * engine makes of the object, or undefined when there is no ENGINE clause.
   */
  private engine(from: number, to: number): ObjectKind | undefined {
    const at = findKeywords(this.toks, ['ENGINE'], from);
    if (at < 0 || at >= to) return undefined;
    const e = this.toks[at + 1]?.text === '=' ? at + 2 : at + 1;
    const nameTok = this.toks[e];
    if (!nameTok || nameTok.kind !== 'word') return this.fail('expected an engine name');
    const engine = nameTok.text;
    const hasArgs = this.toks[e + 1]?.text === '(' && this.toks[e + 1]!.depth === 0;
    const argsEnd = hasArgs ? closeOf(this.toks, e + 1) : e + 1;
    const args = hasArgs ? this.sql.slice(this.toks[e + 2]!.start, this.toks[argsEnd - 1]!.start).trim() : '';
    if (STATELESS_ENGINES.has(engine)) return 'stateless';
    if (!MERGE_TREE_FAMILY.has(engine))
      this.fail(
        engine.startsWith('Replicated') || engine === 'Distributed'
          ? `engine ${engine} is cluster-specific; write the single-server engine and let the renderer replicate it`
          : `engine ${engine} has no replicated form here (its data would differ per replica)`,
      );
    const replicated = `Replicated${engine}(${[literal(KEEPER_PATH), literal(REPLICA_NAME), ...(args ? [args] : [])].join(', ')})`;
    this.edits.push({ start: nameTok.start, end: this.toks[argsEnd - 1]!.end, text: replicated });
    this.settings(findKeywords(this.toks, ['SETTINGS'], argsEnd), to, true);
    return 'replicated';
  }

  /** Renames settings in a `SETTINGS a = 1, b = 2` list (or a RESET SETTING list of names). */
  private settings(at: number, until: number, addWindowSeconds: boolean): void {
    if (at < 0 || at >= until) return;
    // A table's COMMENT clause may follow its SETTINGS.
    const comment = findKeywords(this.toks, ['COMMENT'], at);
    const to = comment > at && comment < until ? comment : until;
    let renamedWindow = false;
    let hasSeconds = false;
    let itemStart = true;
    for (let i = at + 1; i < to; i++) {
      const t = this.toks[i]!;
      if (t.depth === 0 && t.text === ',') itemStart = true;
      else if (itemStart) {
        itemStart = false;
        const rename = SETTING_RENAMES[t.text];
        if (rename) {
          this.edits.push({ start: t.start, end: t.end, text: rename });
          renamedWindow = true;
        }
        if (t.text === WINDOW_SECONDS) hasSeconds = true;
      }
    }
    if (addWindowSeconds && renamedWindow && !hasSeconds) {
      const end = this.toks[to - 1]!.end;
      this.edits.push({ start: end, end, text: `, ${WINDOW_SECONDS} = ${DEDUP_WINDOW_SECONDS}` });
    }
  }

  alter(): string[] {
    if (this.word(1) !== 'TABLE') return this.fail('only ALTER TABLE is rendered');
    const n = this.name(2);
    this.clusterAfter(n);
    const ops = this.alterOps(n.end);
    const kinds = ops.map((op) => op.kind);
    if (kinds.includes('column') && !this.catalog.kinds.has(n.table))
      this.fail(
        `a column change to ${n.table}, which no migration rendered before it (its Distributed twin is unknown)`,
      );
    for (const op of ops) if (op.kind === 'settings') this.settings(op.start, op.end, false);
    if (kinds.includes('column') && this.catalog.twins.has(n.table))
      return this.result(this.twin(n, 'CREATE OR REPLACE TABLE'));
    return this.result();
  }

  /** Splits `op, op, …` at commas followed by an ALTER verb (settings lists have commas too). */
  private alterOps(from: number): Array<{ kind: 'column' | 'settings' | 'table'; start: number; end: number }> {
    const ops: Array<{ kind: 'column' | 'settings' | 'table'; start: number; end: number }> = [];
    let start = from;
    for (let i = from; i <= this.toks.length; i++) {
      const atEnd = i === this.toks.length;
      const t = this.toks[i];
      const split = t?.text === ',' && t.depth === 0 && ALTER_VERBS.has(this.word(i + 1) ?? '');
      if (!atEnd && !split) continue;
      const one = this.word(start);
      const two = `${one} ${this.word(start + 1)}`;
      const kind = ALTER_OPS[two] ?? (one === 'UPDATE' ? ALTER_OPS.UPDATE : undefined);
      if (!kind) this.fail(`no cluster rendering for ALTER … ${two}`);
      ops.push({ kind, start: kind === 'settings' ? start + 1 : start, end: i });
      // MODIFY QUERY runs to the end: its SELECT may hold anything.
      if (two === 'MODIFY QUERY') break;
      start = i + 1;
    }
    return ops;
  }

  drop(): string[] {
    const what = this.word(1);
    if (what !== 'TABLE' && what !== 'VIEW' && what !== 'FUNCTION')
      return this.fail(`no cluster rendering for DROP ${what ?? ''}`);
    const n = this.name(this.skip(2, 'IF', 'EXISTS'));
    this.clusterAfter(n);
    // SYNC: a replicated table's Keeper path is freed at once, so a later CREATE can reuse it.
    if (what !== 'FUNCTION' && !isKeyword(this.toks.at(-1), 'SYNC'))
      this.edits.push({ start: this.sql.length, end: this.sql.length, text: ' SYNC' });
    const hadTwin = this.catalog.twins.delete(n.table) || !this.catalog.kinds.has(n.table);
    this.catalog.kinds.delete(n.table);
    if (what !== 'TABLE' || !hadTwin) return this.result();
    const db = n.database ?? this.target.database;
    return [
      `DROP TABLE IF EXISTS ${db}.${n.table}${DISTRIBUTED_SUFFIX} ON CLUSTER ${literal(this.target.cluster)} SYNC`,
      ...this.result(),
    ];
  }
}

/** The statements to run for `sql` on this store: rendered for its cluster, or `sql` itself. */
export function ddlFor(
  store: { readonly cluster?: string | undefined; readonly database: string },
  sql: string,
  catalog?: ClusterCatalog,
): string[] {
  return store.cluster ? renderForCluster(sql, { cluster: store.cluster, database: store.database }, catalog) : [sql];
}

/** Query settings for DDL on this store (CLUSTER_DDL_SETTINGS on a cluster). */
export function ddlSettings(store: { readonly cluster?: string | undefined }): Record<string, string> {
  return store.cluster ? { ...CLUSTER_DDL_SETTINGS } : {};
}
