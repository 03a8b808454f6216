// TLS and credentials to a ClickHouse server: @clickhouse/client's `tls` option for an https://
// CLICKHOUSE_URL with a private CA (CLICKHOUSE_CA_FILE) and an optional client certificate
// (CLICKHOUSE_CERT_FILE + CLICKHOUSE_KEY_FILE), and the errors that name the setting to fix when the
// server refuses the login or its certificate does not verify.
import { rootCertificates } from 'node:tls';
import type { Config } from '../config.ts';
import { AccessError, errorMessage } from '../errors.ts';
import { readPem, tlsFailure } from '../tls.ts';

type ServerConfig = Extract<Config['clickhouse'], { mode: 'server' }>;

export type ClickHouseTls = { ca_cert: Buffer } | { ca_cert: Buffer; cert: Buffer; key: Buffer };

/**
 * The client's `tls` option, or undefined (an https:// URL then verifies against Node's trust
 * store). With a client certificate the client asks ClickHouse to authenticate CLICKHOUSE_USER by
 * the certificate (X-ClickHouse-SSL-Certificate-Auth), and the client option needs a CA: without
 * CLICKHOUSE_CA_FILE, Node's own trust store is given.
 */
export function clickhouseTls(cfg: ServerConfig): ClickHouseTls | undefined {
  const tls = cfg.tls;
  if (!tls) return undefined;
  const ca_cert = tls.caFile ? readPem(tls.caFile, 'CLICKHOUSE_CA_FILE') : Buffer.from(rootCertificates.join('\n'));
  if (tls.certFile && tls.keyFile)
    return {
      ca_cert,
      cert: readPem(tls.certFile, 'CLICKHOUSE_CERT_FILE'),
      key: readPem(tls.keyFile, 'CLICKHOUSE_KEY_FILE'),
    };
  return { ca_cert };
}

/** ClickHouse's codes for a login it refused. */
const LOGIN_CODES = new Set([
  '192', // UNKNOWN_USER
  '193', // WRONG_PASSWORD
  '194', // REQUIRED_PASSWORD
  '516', // AUTHENTICATION_FAILED
]);

/** An AccessError for a refused login or a TLS failure; undefined for anything else. */
export function clickhouseAccessError(err: unknown): AccessError | undefined {
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = errorMessage(err);
  if (LOGIN_CODES.has(code))
    return new AccessError(
      `ClickHouse refused the login (${message.split('\n')[0]}): check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD (or CLICKHOUSE_PASSWORD_FILE)`,
      'auth',
      ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD'],
      err,
    );
  const failure = tlsFailure(err);
  if (failure === 'untrusted')
    return new AccessError(
      `the ClickHouse server's certificate did not verify (${message}): check CLICKHOUSE_CA_FILE (unset: the system trust store) and that CLICKHOUSE_URL names a host in the certificate`,
      'tls',
      ['CLICKHOUSE_CA_FILE', 'CLICKHOUSE_URL'],
      err,
    );
  if (failure === 'client-certificate')
    return new AccessError(
      `the ClickHouse server refused the client certificate (${message}): check CLICKHOUSE_CERT_FILE and CLICKHOUSE_KEY_FILE`,
      'tls',
      ['CLICKHOUSE_CERT_FILE', 'CLICKHOUSE_KEY_FILE'],
      err,
    );
  if (failure === 'not-tls')
    return new AccessError(
      `the ClickHouse server does not speak TLS there (${message}): check CLICKHOUSE_URL (its https port is usually 8443)`,
      'tls',
      ['CLICKHOUSE_URL'],
      err,
    );
  return undefined;
}
