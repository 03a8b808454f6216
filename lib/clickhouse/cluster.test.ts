// The cluster renderer on hand-written statements: what it rewrites, what it leaves byte for byte,
// and the statements it must refuse. test/foundation/cluster-ddl.test.ts runs it over every
// migration and parses the result with the ClickHouse engine.
import { describe, expect, it } from 'vitest';
import {
  ClusterCatalog,
  ClusterDdlError,
  DEDUP_WINDOW_SECONDS,
  KEEPER_PATH,
  ddlFor,
  renderForCluster,
} from './cluster.ts';

const target = { cluster: 'tws', database: 'db' };
const render = (sql: string, catalog = new ClusterCatalog()) => renderForCluster(sql, target, catalog);
const replicated = (engine: string, ...args: string[]) =>
  `Replicated${engine}(${[`'${KEEPER_PATH}'`, "'{replica}'", ...args].join(', ')})`;

describe('CREATE TABLE', () => {
  it('replicates a MergeTree table, keeps every other clause, and adds its Distributed twin', () => {
    const sql = `CREATE TABLE IF NOT EXISTS t (a String, b DateTime CODEC(ZSTD(1)))
ENGINE = MergeTree
PARTITION BY toYYYYMM(b)
ORDER BY (a, b)
TTL b + INTERVAL 30 DAY TO VOLUME 'archive'
SETTINGS storage_policy = 'tws_tiered', non_replicated_deduplication_window = 1000`;
    const [table, twin] = render(sql);
    expect(table).toBe(`CREATE TABLE IF NOT EXISTS t ON CLUSTER 'tws' (a String, b DateTime CODEC(ZSTD(1)))
ENGINE = ${replicated('MergeTree')}
PARTITION BY toYYYYMM(b)
ORDER BY (a, b)
TTL b + INTERVAL 30 DAY TO VOLUME 'archive'
SETTINGS storage_policy = 'tws_tiered', replicated_deduplication_window = 1000, replicated_deduplication_window_seconds = ${DEDUP_WINDOW_SECONDS}`);
    expect(twin).toBe(
      "CREATE TABLE IF NOT EXISTS db.t_all ON CLUSTER 'tws' AS db.t ENGINE = Distributed('tws', 'db', 't')",
    );
  });

  it.each([
    ['ReplacingMergeTree(version)', replicated('ReplacingMergeTree', 'version')],
    ['ReplacingMergeTree', replicated('ReplacingMergeTree')],
    ['AggregatingMergeTree', replicated('AggregatingMergeTree')],
    ['SummingMergeTree((x, y))', replicated('SummingMergeTree', '(x, y)')],
    ['MergeTree()', replicated('MergeTree')],
  ])('ENGINE = %s keeps its arguments after the Keeper path and replica', (engine, want) => {
    const [table] = render(`CREATE TABLE t (x UInt8, y UInt8) ENGINE = ${engine} ORDER BY x`);
    expect(table).toBe(`CREATE TABLE t ON CLUSTER 'tws' (x UInt8, y UInt8) ENGINE = ${want} ORDER BY x`);
  });

  it('leaves a Null table as it is (it holds nothing) and gives it no twin', () => {
    expect(render('CREATE TABLE landing (x UInt8) ENGINE = Null')).toEqual([
      "CREATE TABLE landing ON CLUSTER 'tws' (x UInt8) ENGINE = Null",
    ]);
  });

  it('gives bookkeeping tables no Distributed twin', () => {
    const out = render('CREATE TABLE sink_offsets (p UInt32, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY p');
    expect(out).toHaveLength(1);
    expect(out[0]).toContain(replicated('ReplacingMergeTree', 'v'));
  });

  it('keeps a window-seconds setting that is already there, and stops the settings at COMMENT', () => {
    const [kept] = render(
      'CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 5, replicated_deduplication_window_seconds = 60',
    );
    expect(kept).toMatch(/replicated_deduplication_window = 5, replicated_deduplication_window_seconds = 60$/);
    const [commented] = render(
      "CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 5 COMMENT 'SETTINGS, ENGINE = Memory'",
    );
    expect(commented).toBe(
      `CREATE TABLE t ON CLUSTER 'tws' (x UInt8) ENGINE = ${replicated('MergeTree')} ORDER BY x SETTINGS replicated_deduplication_window = 5, replicated_deduplication_window_seconds = ${DEDUP_WINDOW_SECONDS} COMMENT 'SETTINGS, ENGINE = Memory'`,
    );
  });

  it('is not fooled by keywords in comments, strings and quoted names', () => {
    const [table] = render(
      "CREATE TABLE `ENGINE` (`SETTINGS` String DEFAULT 'ENGINE = Memory' -- ENGINE = Log\n) ENGINE = MergeTree ORDER BY tuple()",
    );
    expect(table).toBe(
      `CREATE TABLE \`ENGINE\` ON CLUSTER 'tws' (\`SETTINGS\` String DEFAULT 'ENGINE = Memory' -- ENGINE = Log\n) ENGINE = ${replicated('MergeTree')} ORDER BY tuple()`,
    );
  });

  it.each([
    ['CREATE TABLE t (x UInt8) ENGINE = Memory', /Memory has no replicated form/],
    ['CREATE TABLE t (x UInt8) ENGINE = Kafka SETTINGS kafka_broker_list = ""', /Kafka has no replicated form/],
    ['CREATE TABLE t (x UInt8) ENGINE = ReplicatedMergeTree ORDER BY x', /cluster-specific/],
    ["CREATE TABLE t (x UInt8) ENGINE = Distributed('c', 'd', 't')", /cluster-specific/],
    ['CREATE TABLE t (x UInt8)', /explicit ENGINE/],
    ['CREATE TABLE t ENGINE = MergeTree ORDER BY x AS SELECT 1 AS x', /AS SELECT is not supported/],
    ["CREATE TABLE t ON CLUSTER 'c' (x UInt8) ENGINE = MergeTree ORDER BY x", /already names a cluster/],
  ])('refuses %s', (sql, message) => {
    expect(() => render(sql)).toThrow(ClusterDdlError);
    expect(() => render(sql)).toThrow(message);
  });
});

describe('views', () => {
  it('puts ON CLUSTER after the name of a materialized view and of a view', () => {
    expect(render('CREATE MATERIALIZED VIEW IF NOT EXISTS m TO t AS SELECT a, b FROM s')).toEqual([
      "CREATE MATERIALIZED VIEW IF NOT EXISTS m ON CLUSTER 'tws' TO t AS SELECT a, b FROM s",
    ]);
    expect(render('CREATE VIEW v AS SELECT 1')).toEqual(["CREATE VIEW v ON CLUSTER 'tws' AS SELECT 1"]);
    expect(render('CREATE OR REPLACE VIEW v AS SELECT 1')).toEqual([
      "CREATE OR REPLACE VIEW v ON CLUSTER 'tws' AS SELECT 1",
    ]);
  });

  it('replicates the inner table of a materialized view without TO, but not its SELECT settings', () => {
    expect(
      render(
        'CREATE MATERIALIZED VIEW m ENGINE = AggregatingMergeTree ORDER BY a AS SELECT a FROM s SETTINGS non_replicated_deduplication_window = 1',
      ),
    ).toEqual([
      `CREATE MATERIALIZED VIEW m ON CLUSTER 'tws' ENGINE = ${replicated('AggregatingMergeTree')} ORDER BY a AS SELECT a FROM s SETTINGS non_replicated_deduplication_window = 1`,
    ]);
  });

  it.each([
    ['CREATE MATERIALIZED VIEW m TO t POPULATE AS SELECT 1', /POPULATE/],
    ['CREATE MATERIALIZED VIEW m REFRESH EVERY 1 HOUR TO t AS SELECT 1', /refresh on every replica/],
    ['CREATE MATERIALIZED VIEW m AS SELECT 1', /needs TO <table> or an ENGINE/],
  ])('refuses %s', (sql, message) => expect(() => render(sql)).toThrow(message));
});

describe('ALTER TABLE', () => {
  const catalog = () => {
    const c = new ClusterCatalog();
    render('CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x', c);
    render('CREATE TABLE sink_offsets (x UInt8) ENGINE = MergeTree ORDER BY x', c);
    render('CREATE TABLE landing (x UInt8) ENGINE = Null', c);
    return c;
  };

  it('re-creates the Distributed twin after a column change, so the two keep the same columns', () => {
    expect(render('ALTER TABLE t ADD COLUMN IF NOT EXISTS y UInt8 DEFAULT 0 AFTER x', catalog())).toEqual([
      "ALTER TABLE t ON CLUSTER 'tws' ADD COLUMN IF NOT EXISTS y UInt8 DEFAULT 0 AFTER x",
      "CREATE OR REPLACE TABLE db.t_all ON CLUSTER 'tws' AS db.t ENGINE = Distributed('tws', 'db', 't')",
    ]);
    expect(render('ALTER TABLE sink_offsets ADD COLUMN e UInt64', catalog())).toEqual([
      "ALTER TABLE sink_offsets ON CLUSTER 'tws' ADD COLUMN e UInt64",
    ]);
    expect(render('ALTER TABLE landing ADD COLUMN e UInt64, DROP COLUMN x', catalog())).toHaveLength(1);
  });

  it('refuses a column change to a table no statement before it created', () => {
    expect(() => render('ALTER TABLE nowhere ADD COLUMN e UInt64')).toThrow(/no migration rendered before it/);
  });

  it('renders TTL, settings and query changes without needing the catalog', () => {
    expect(render("ALTER TABLE t MODIFY TTL toDateTime(b) + INTERVAL 9 DAY TO VOLUME 'archive'")).toEqual([
      "ALTER TABLE t ON CLUSTER 'tws' MODIFY TTL toDateTime(b) + INTERVAL 9 DAY TO VOLUME 'archive'",
    ]);
    expect(
      render('ALTER TABLE t MODIFY SETTING ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000'),
    ).toEqual([
      "ALTER TABLE t ON CLUSTER 'tws' MODIFY SETTING ttl_only_drop_parts = 1, replicated_deduplication_window = 10000",
    ]);
    expect(render('ALTER TABLE t RESET SETTING non_replicated_deduplication_window')).toEqual([
      "ALTER TABLE t ON CLUSTER 'tws' RESET SETTING replicated_deduplication_window",
    ]);
    // A SELECT may hold commas followed by words that are also ALTER verbs.
    const query = 'SELECT a, update, delete, modify FROM s WHERE x = 1';
    expect(render(`ALTER TABLE m MODIFY QUERY ${query}`)).toEqual([
      `ALTER TABLE m ON CLUSTER 'tws' MODIFY QUERY ${query}`,
    ]);
  });

  it('handles several operations, and refuses one it does not know', () => {
    expect(render('ALTER TABLE t MODIFY SETTING a = 1, b = 2, MATERIALIZE TTL')).toEqual([
      "ALTER TABLE t ON CLUSTER 'tws' MODIFY SETTING a = 1, b = 2, MATERIALIZE TTL",
    ]);
    expect(() => render("ALTER TABLE t ATTACH PARTITION 'x'")).toThrow(/ALTER … ATTACH PARTITION/);
    expect(() => render('ALTER USER u DEFAULT ROLE r')).toThrow(/only ALTER TABLE/);
  });
});

describe('other statements', () => {
  it('drops a table and its twin with SYNC (a Keeper path is freed for a later CREATE)', () => {
    const c = new ClusterCatalog();
    render('CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x', c);
    expect(render('DROP TABLE IF EXISTS t', c)).toEqual([
      "DROP TABLE IF EXISTS db.t_all ON CLUSTER 'tws' SYNC",
      "DROP TABLE IF EXISTS t ON CLUSTER 'tws' SYNC",
    ]);
    expect(render('DROP VIEW v')).toEqual(["DROP VIEW v ON CLUSTER 'tws' SYNC"]);
  });

  it('renders CREATE DATABASE and CREATE FUNCTION, and passes INSERT … SELECT through (one shard)', () => {
    expect(render('CREATE DATABASE IF NOT EXISTS tws')).toEqual(["CREATE DATABASE IF NOT EXISTS tws ON CLUSTER 'tws'"]);
    expect(render('CREATE FUNCTION f AS (x) -> x + 1')).toEqual(["CREATE FUNCTION f ON CLUSTER 'tws' AS (x) -> x + 1"]);
    expect(render('INSERT INTO t SELECT * FROM s')).toEqual(['INSERT INTO t SELECT * FROM s']);
  });

  it.each(['RENAME TABLE a TO b', 'OPTIMIZE TABLE t FINAL', 'TRUNCATE TABLE t', 'SELECT 1', 'CREATE DICTIONARY d'])(
    'refuses %s',
    (sql) => expect(() => render(sql)).toThrow(ClusterDdlError),
  );

  it('quotes the cluster name, so a macro such as {cluster} works', () => {
    expect(renderForCluster('CREATE VIEW v AS SELECT 1', { cluster: '{cluster}', database: 'db' })).toEqual([
      "CREATE VIEW v ON CLUSTER '{cluster}' AS SELECT 1",
    ]);
  });

  it('ddlFor leaves statements unchanged without a cluster', () => {
    const sql = 'CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x';
    expect(ddlFor({ database: 'db' }, sql)).toEqual([sql]);
    expect(ddlFor({ database: 'db', cluster: 'tws' }, sql)[0]).toContain("ON CLUSTER 'tws'");
  });
});
