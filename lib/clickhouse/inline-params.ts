// Binds `{name:Type}` query parameters client-side, as typed literals: `CAST(<literal> AS Type)`.
// Only for embedded mode's ingest-path reads: chdb-node runs every parameterized query of the
// process through one chain (its engine's parameter state is not per connection), so a consumer's
// 100–250 ms lookups queued ahead of each API read and tripled its p99 under ingest (issue 7). The
// same reads without parameters run beside the API's. Values may come from Kafka records, so the
// literal writer is strict: strings escape backslash and quote, numbers must be finite, nothing
// else is spliced. API reads keep server-side binding.
import type { QueryParams } from './store.ts';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g;

export class ParamBindError extends Error {}

/**
 * A ClickHouse string literal of any string: backslash and quote escaped, control characters as
 * \xHH (a NUL would end the statement early in the embedded engine's C interface).
 */
export const sqlString = (s: string): string => {
  let out = "'";
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === "'") out += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}'`;
};

export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return sqlString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ParamBindError(`cannot bind the number ${v}`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(sqlLiteral).join(', ')}]`;
  throw new ParamBindError(`cannot bind a value of type ${typeof v}`);
}

/** `sql` with every `{name:Type}` replaced by `CAST(<literal of params[name]> AS Type)`. */
export function inlineParams(sql: string, params: QueryParams): string {
  return sql.replace(PLACEHOLDER, (_, name: string, type: string) => {
    if (!Object.hasOwn(params, name)) throw new ParamBindError(`no value for the query parameter ${name}`);
    return `CAST(${sqlLiteral(params[name])} AS ${type})`;
  });
}
