// Analysts' ad-hoc read-only SQL (POST /v1/sql). Every query runs with ClickHouse settings that the
// caller cannot override: readonly=1 (no writes, no DDL, no SETTINGS changes, no table functions),
// and the time, result-size and memory limits from config.api.sql. The text is first put in
// ClickHouse's canonical form (which also rejects multi-statement input) and checked by sql-guard.ts;
// the canonical text is what runs.
import { clickhouseErrorKind } from '../../lib/clickhouse/error-codes.ts';
import type { QuerySettings, Store } from '../../lib/clickhouse/store.ts';
import { StoreQueryError, StoreUnavailableError } from '../../lib/errors.ts';
import { ForbiddenError, SqlQueryError } from '../errors.ts';
import type { ApiConfig } from '../types.ts';
import { checkCanonicalSql } from './sql-guard.ts';

export function adhocSettings(limits: ApiConfig['sql']): QuerySettings {
  // readonly last: the limits are applied first, then nothing can be changed.
  return {
    max_execution_time: limits.maxExecutionSeconds,
    max_result_rows: String(limits.maxResultRows),
    result_overflow_mode: 'throw',
    max_memory_usage: String(limits.maxMemoryBytes),
    readonly: '1',
  };
}

/** ClickHouse's own message, without our wrapper's prefix, the probe query's scope or a stack trace. */
export function clickhouseMessage(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } };
  const raw = typeof e.cause?.message === 'string' ? e.cause.message : String(e.message ?? err);
  return raw
    .replace(/^ClickHouse (rejected|busy during|unreachable during) [^:]*:\s*/, '')
    .replace(/:? In scope SELECT formatQuerySingleLine[\s\S]*$/, '')
    .replace(/\s*Stack trace[\s\S]*$/i, '')
    .trim()
    .slice(0, 1000);
}

/**
 * The analyst's SQL failed: their fault (400), not allowed (403), or the server's (rethrown, so 503),
 * by the kind of its ClickHouse code (lib/clickhouse/error-codes.ts). An error that carries a
 * ClickHouse code came from a live server, whatever the store called it.
 */
export function classifyAdhocError(err: unknown): Error {
  const kind = clickhouseErrorKind(err);
  if (kind === 'forbidden') return new ForbiddenError(`not allowed: ${clickhouseMessage(err)}`);
  if (kind === 'limit') return new SqlQueryError(clickhouseMessage(err), 'SQL_LIMIT_EXCEEDED');
  if (kind === 'busy')
    return err instanceof StoreUnavailableError ? err : new StoreUnavailableError(clickhouseMessage(err), err);
  if (kind || err instanceof StoreQueryError) return new SqlQueryError(clickhouseMessage(err));
  return err instanceof Error ? err : new Error(String(err));
}

export interface AdhocResult {
  /** The canonical text that ran. */
  sql: string;
  columns: string[];
  rows: Record<string, unknown>[];
}

export async function runAdhocSql(store: Store, sql: string, limits: ApiConfig['sql']): Promise<AdhocResult> {
  const settings = adhocSettings(limits);
  let canonical: string;
  try {
    const rows = await store.sandboxQuery<{ f: string }>(
      'SELECT formatQuerySingleLine({q:String}) AS f',
      { q: sql },
      settings,
    );
    canonical = rows[0]?.f ?? '';
  } catch (err) {
    throw classifyAdhocError(err);
  }
  checkCanonicalSql(canonical);
  let rows: Record<string, unknown>[];
  try {
    rows = await store.sandboxQuery<Record<string, unknown>>(canonical, undefined, settings);
  } catch (err) {
    throw classifyAdhocError(err);
  }
  return { sql: canonical, columns: rows[0] ? Object.keys(rows[0]) : [], rows };
}
