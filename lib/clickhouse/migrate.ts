// Versioned SQL migrations: lib/clickhouse/migrations/NNNN_name.sql, applied in order and recorded
// in `schema_migrations`. Statements are written idempotently (IF NOT EXISTS), and an applied file
// whose checksum changed stops start-up rather than silently diverging.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError, errorMessage } from '../errors.ts';
import { ClusterCatalog, ddlFor, ddlSettings } from './cluster.ts';
import type { Store } from './store.ts';
import { syncReplica } from './replica-sync.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  file: string;
  statements: string[];
  checksum: string;
}

/** Splits a file on semicolons that end a line; comments starting with `--` are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        file,
        statements: splitStatements(text),
        checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
      };
    });
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`;

export interface MigrateResult {
  applied: string[];
  skipped: string[];
}

export async function migrate(store: Store, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  // On a cluster (TWS_CLICKHOUSE_CLUSTER) every statement is rendered by cluster.ts; the catalog
  // sees every file, applied or not, so that a later ALTER knows the tables before it.
  const catalog = new ClusterCatalog();
  const settings = ddlSettings(store);
  for (const stmt of ddlFor(store, LEDGER)) await store.command(stmt, undefined, settings);
  // What another replica recorded a moment ago, before deciding what is left to apply.
  await syncReplica(store, ['schema_migrations']);
  const done = new Map(
    (
      await store.query<{ version: number; checksum: string }>(
        'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version',
      )
    ).map((r) => [Number(r.version), r.checksum]),
  );
  const result: MigrateResult = { applied: [], skipped: [] };
  for (const m of loadMigrations(dir)) {
    let rendered: string[][];
    try {
      rendered = m.statements.map((stmt) => ddlFor(store, stmt, catalog));
    } catch (err) {
      throw new MigrationError(m.file, errorMessage(err), err);
    }
    const recorded = done.get(m.version);
    if (recorded !== undefined) {
      if (recorded !== m.checksum)
        throw new MigrationError(
          m.file,
          `already applied with checksum ${recorded}, file now has ${m.checksum}; add a new migration instead of editing an applied one`,
        );
      result.skipped.push(m.file);
      continue;
    }
    for (const [i, statements] of rendered.entries()) {
      try {
        for (const stmt of statements) await store.command(stmt, undefined, settings);
      } catch (err) {
        throw new MigrationError(m.file, `statement ${i + 1}: ${errorMessage(err)}`, err);
      }
    }
    await store.insert('schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }]);
    result.applied.push(m.file);
  }
  return result;
}
