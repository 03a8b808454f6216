// Every migration present at test time, rendered for a cluster (lib/clickhouse/cluster.ts), is
// parsed by the ClickHouse engine we have (chDB's formatQuery) and compared, in that canonical form,
// with the single-server statement: same columns, keys, partitioning, TTLs and SELECTs; only the
// engine (its Replicated twin), the dedup-window setting and ON CLUSTER differ. So the two modes
// cannot drift. The expected cluster form is derived here from the canonical single-server text,
// independently of the renderer's own scanning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterCatalog,
  DEDUP_WINDOW_SECONDS,
  DISTRIBUTED_SUFFIX,
  KEEPER_PATH,
  LOCAL_ONLY_TABLES,
  renderForCluster,
} from '../../lib/clickhouse/cluster.ts';
import { loadMigrations } from '../../lib/clickhouse/migrate.ts';
import { lifecycleViews } from '../../consumers/lifecycle/views.ts';
import { ingestViews } from '../../consumers/snapshots/views.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { testConfig } from '../helpers/env.ts';

const CLUSTER = 'tws_cluster';
const DATABASE = 'tws';
let store: Store;

beforeAll(async () => {
  store = await createStore(testConfig().clickhouse);
});
afterAll(() => store?.close());

/** ClickHouse's canonical text of a statement: it parses, or this throws with the engine's error. */
async function canonical(sql: string): Promise<string> {
  const [row] = await store.query<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: sql });
  return row!.f;
}

/** Top-level clause lines of a canonical CREATE TABLE (they start at column 0). */
function clauses(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(ENGINE|PARTITION BY|PRIMARY KEY|ORDER BY|SAMPLE BY|TTL|SETTINGS) (.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const MERGE_TREE = /^= (\w*MergeTree)(?:\((.*)\))?$/;

/** What the cluster form of a canonical single-server statement must be, written independently. */
function expectedClusterForm(single: string): string {
  // A DROP runs on every replica and frees a replicated table's Keeper path at once (SYNC).
  if (/^DROP (VIEW|TABLE) (IF EXISTS )?\S+$/.test(single)) return `${single} ON CLUSTER ${CLUSTER} SYNC`;
  const lines = single.split('\n');
  // ON CLUSTER follows the name, which ends the first line (CREATE … name, ALTER TABLE name).
  let head = lines[0]!;
  const to = / TO \S+$/.exec(head);
  if (to) head = head.slice(0, to.index);
  const renamed = head.replace(
    /^(CREATE (?:OR REPLACE )?(?:MATERIALIZED VIEW|VIEW|TABLE)(?: IF NOT EXISTS)? \S+|ALTER TABLE \S+)/,
    `$1 ON CLUSTER ${CLUSTER}`,
  );
  lines[0] = renamed + (to ? to[0] : '');
  return lines
    .map((line) => {
      const engine = /^ENGINE (.*)$/.exec(line);
      const mt = engine && MERGE_TREE.exec(engine[1]!);
      if (mt) {
        const args = [`'${KEEPER_PATH}'`, "'{replica}'", ...(mt[2] ? [mt[2]] : [])];
        return `ENGINE = Replicated${mt[1]}(${args.join(', ')})`;
      }
      const settings = /^SETTINGS (.*)$/.exec(line);
      if (settings && engineOf(single)?.endsWith('MergeTree')) {
        const items = settings[1]!.split(', ');
        const out = items.map((s) =>
          s.replace(/^non_replicated_deduplication_window =/, 'replicated_deduplication_window ='),
        );
        if (out.join() !== items.join()) out.push(`replicated_deduplication_window_seconds = ${DEDUP_WINDOW_SECONDS}`);
        return `SETTINGS ${out.join(', ')}`;
      }
      // An ALTER's MODIFY SETTING of the window.
      return line.replace(
        /MODIFY SETTING non_replicated_deduplication_window/,
        'MODIFY SETTING replicated_deduplication_window',
      );
    })
    .join('\n');
}

const engineOf = (text: string) => /^ENGINE = (\w+)/m.exec(text)?.[1];
const nameOf = (text: string) => /^CREATE (?:OR REPLACE )?TABLE (?:IF NOT EXISTS )?(\S+)/.exec(text)?.[1];

const migrations = loadMigrations();
const catalog = new ClusterCatalog();
const cases = migrations.flatMap((m) =>
  m.statements.map((sql, i) => ({
    name: `${m.file} #${i + 1}`,
    sql,
    rendered: renderForCluster(sql, { cluster: CLUSTER, database: DATABASE }, catalog),
  })),
);

describe('cluster DDL of every migration', () => {
  it('finds the migrations and renders each of their statements', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(5);
    expect(cases.length).toBeGreaterThan(10);
  });

  it.each(cases)('$name parses and equals the single-server statement but for the cluster parts', async (c) => {
    const single = await canonical(c.sql);
    const [main, ...twins] = await Promise.all(c.rendered.map(canonical));
    expect(main).toBe(expectedClusterForm(single));

    const s = clauses(single);
    const r = clauses(main!);
    for (const clause of ['ORDER BY', 'PARTITION BY', 'PRIMARY KEY', 'TTL'] as const) expect(r[clause]).toBe(s[clause]);
    if (s.ENGINE?.match(MERGE_TREE)) expect(r.ENGINE).toMatch(/^= Replicated\w*MergeTree\('/);
    else expect(r.ENGINE).toBe(s.ENGINE);

    for (const twin of twins) {
      const base = nameOf(single) ?? /^ALTER TABLE (\S+)/.exec(single)?.[1];
      expect(twin).toMatch(
        new RegExp(
          `^CREATE (OR REPLACE )?TABLE (IF NOT EXISTS )?${DATABASE}\\.${base}${DISTRIBUTED_SUFFIX} ON CLUSTER ${CLUSTER} AS ${DATABASE}\\.${base}\\n`,
        ),
      );
      expect(clauses(twin).ENGINE).toBe(`= Distributed('${CLUSTER}', '${DATABASE}', '${base}')`);
    }
  });

  // The ingest views are created by code at start-up (lib/clickhouse/views.ts), through the same renderer.
  const views = [...ingestViews(), ...lifecycleViews()].flatMap((v) => [
    { name: `${v.name} (create)`, sql: `CREATE MATERIALIZED VIEW IF NOT EXISTS ${v.name} TO ${v.to} AS ${v.select}` },
    { name: `${v.name} (replace)`, sql: `ALTER TABLE ${v.name} MODIFY QUERY ${v.select}` },
  ]);
  it.each(views)('managed view $name parses and equals the single-server statement but for ON CLUSTER', async (v) => {
    const rendered = renderForCluster(v.sql, { cluster: CLUSTER, database: DATABASE });
    expect(rendered).toHaveLength(1);
    expect(await canonical(rendered[0]!)).toBe(expectedClusterForm(await canonical(v.sql)));
  });

  it('replicates every MergeTree table, gives each data table a Distributed twin, and leaves no statement single-server', async () => {
    const tables = cases.filter((c) => /^CREATE TABLE/i.test(c.sql.trim()));
    for (const c of tables) {
      const single = await canonical(c.sql);
      const table = nameOf(single)!;
      const mergeTree = engineOf(single)?.endsWith('MergeTree');
      expect(engineOf(await canonical(c.rendered[0]!)), table).toBe(
        mergeTree ? `Replicated${engineOf(single)}` : engineOf(single),
      );
      expect(c.rendered.length, `${table}: twin`).toBe(mergeTree && !LOCAL_ONLY_TABLES.has(table) ? 2 : 1);
    }
    for (const c of cases)
      for (const stmt of c.rendered) if (!/^INSERT/i.test(stmt)) expect(stmt, c.name).toMatch(/ ON CLUSTER '/);
  });
});
