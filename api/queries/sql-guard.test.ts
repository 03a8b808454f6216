import { describe, expect, it } from 'vitest';
import { ForbiddenError, SqlQueryError } from '../errors.ts';
import { checkCanonicalSql, isDeniedFunction, lexSql } from './sql-guard.ts';

const verdict = (sql: string): string => {
  try {
    checkCanonicalSql(sql);
    return 'ok';
  } catch (e) {
    if (e instanceof ForbiddenError) return 'forbidden';
    if (e instanceof SqlQueryError) return 'bad';
    throw e;
  }
};

describe('lexSql', () => {
  it('keeps strings and quoted identifiers apart from words', () => {
    expect(lexSql("SELECT 'file(\\'x\\')', `a\\`b` FROM t")).toEqual([
      { kind: 'word', text: 'SELECT' },
      { kind: 'string', text: "file('x')" },
      { kind: 'punct', text: ',' },
      { kind: 'quoted', text: 'a`b' },
      { kind: 'word', text: 'FROM' },
      { kind: 'word', text: 't' },
    ]);
  });
});

describe('checkCanonicalSql', () => {
  it('allows reads', () => {
    for (const q of [
      'SELECT 1',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'SELECT name FROM system.settings LIMIT 1',
      "SELECT 'file(\\'/etc/passwd\\')' AS s",
      'SELECT count() FROM numbers(10)',
      'DESCRIBE TABLE events',
      'EXPLAIN SELECT 1',
      "SELECT format('{}', 1)",
      'SELECT filesystem FROM t',
    ])
      expect(verdict(q), q).toBe('ok');
  });
  it('refuses writes, settings overrides, outfiles and functions that leave the database', () => {
    for (const q of [
      'INSERT INTO events (event_id) FORMAT Values',
      'ALTER TABLE events DELETE WHERE 1',
      'DROP TABLE events',
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'SET max_threads = 1',
      'SYSTEM FLUSH LOGS',
      'SELECT * FROM numbers(10) SETTINGS max_result_rows = 100',
      "SELECT 1 INTO OUTFILE '/tmp/x'",
      "SELECT file('/etc/passwd')",
      "SELECT FILE('/etc/passwd')",
      "SELECT `file`('/etc/passwd')",
      "SELECT * FROM url('http://127.0.0.1/', CSV)",
      "SELECT * FROM executable('id', TSV, 'x String')",
      "SELECT * FROM s3Cluster('c', 'http://x')",
      "SELECT * FROM remoteSecure('h', system.one)",
      "SELECT * FROM icebergS3('http://x')",
    ])
      expect(verdict(q), q).toBe('forbidden');
  });
  it('asks for the format field instead of a FORMAT clause', () => {
    expect(verdict('SELECT 1 FORMAT CSV')).toBe('bad');
  });
  it('denies by name, case-insensitively, including families', () => {
    expect(isDeniedFunction('URL')).toBe(true);
    expect(isDeniedFunction('deltaLakeCluster')).toBe(true);
    expect(isDeniedFunction('filesystemAvailable')).toBe(false);
    expect(isDeniedFunction('count')).toBe(false);
  });
});
