// Checks on analysts' ad-hoc SQL, applied to ClickHouse's own canonical form of the query
// (formatQuerySingleLine: comments gone, keywords upper-cased, strings and identifiers re-quoted in
// one way), so that comment or quoting tricks cannot hide a token from us. ClickHouse's `readonly=1`
// is the main guard (writes, DDL, SETTINGS overrides and table functions fail with READONLY); these
// checks add what readonly does not cover in chDB: the scalar `file()` function still reads files,
// `INTO OUTFILE` still writes them, and a multi-statement string runs every statement.
import { ForbiddenError, SqlQueryError } from '../errors.ts';

export type SqlToken = { kind: 'word' | 'quoted' | 'string' | 'punct'; text: string };

/** Tokens of a query in ClickHouse's canonical formatting. Unterminated quotes end the input. */
export function lexSql(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const readQuoted = (q: string): string => {
    let text = '';
    i++;
    while (i < sql.length && sql[i] !== q) {
      if (sql[i] === '\\' && i + 1 < sql.length) i++;
      text += sql[i];
      i++;
    }
    i++;
    return text;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) i++;
    else if (ch === "'") out.push({ kind: 'string', text: readQuoted("'") });
    else if (ch === '`' || ch === '"') out.push({ kind: 'quoted', text: readQuoted(ch) });
    else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      out.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      out.push({ kind: 'punct', text: ch });
      i++;
    }
  }
  return out;
}

/** First keywords of the statements an analyst may run. */
export const ALLOWED_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS']);

/** Functions and table functions that reach files, processes, the network or other servers. */
const DENIED_FUNCTIONS = new Set([
  'file',
  'filecluster',
  'url',
  'urlcluster',
  'executable',
  'executablepool',
  'input',
  'gcs',
  'cosn',
  'oss',
  'mysql',
  'postgresql',
  'mongodb',
  'redis',
  'sqlite',
  'odbc',
  'jdbc',
  'hive',
  'arrowflight',
  'ytsaurus',
  'catboostevaluate',
]);
const DENIED_PREFIXES = [
  's3',
  'hdfs',
  'azureblobstorage',
  'remote',
  'cluster',
  'iceberg',
  'deltalake',
  'hudi',
  'paimon',
];

export function isDeniedFunction(name: string): boolean {
  const n = name.toLowerCase();
  return DENIED_FUNCTIONS.has(n) || DENIED_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * Throws ForbiddenError (403) for statements that are not reads, SETTINGS overrides, INTO OUTFILE
 * and denied functions, and SqlQueryError (400) for a FORMAT clause (the `format` field chooses it).
 */
export function checkCanonicalSql(canonical: string): void {
  const tokens = lexSql(canonical);
  const first = tokens[0];
  if (!first || first.kind !== 'word' || !ALLOWED_STATEMENTS.has(first.text.toUpperCase()))
    throw new ForbiddenError('only read-only statements are allowed: SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS');
  for (const [i, t] of tokens.entries()) {
    const next = tokens[i + 1];
    const isCall = next?.kind === 'punct' && next.text === '(';
    if ((t.kind === 'word' || t.kind === 'quoted') && isCall && isDeniedFunction(t.text))
      throw new ForbiddenError(
        `the function ${t.text}() reads files, runs programs or reaches other hosts and is not allowed`,
      );
    if (t.kind !== 'word' || isCall) continue;
    if (t.text === 'SETTINGS') throw new ForbiddenError('SETTINGS overrides are not allowed');
    if (t.text === 'OUTFILE') throw new ForbiddenError('INTO OUTFILE is not allowed');
    if (t.text === 'FORMAT')
      throw new SqlQueryError('remove the FORMAT clause; choose "json" or "csv" with the `format` field');
  }
}
