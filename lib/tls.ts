// TLS for the clients of Kafka, the registry and ClickHouse: reading the PEM files that settings
// name, and telling a certificate that did not verify from a network failure (the first is a
// setting to fix, the second may pass).
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';

/** The file's bytes; a file that vanished since start-up is a ConfigError naming the setting. */
export function readPem(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, setting);
  }
}

/** Node's codes for a peer certificate that did not verify. */
const VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export type TlsFailure =
  /** The server's certificate did not verify against the trusted CAs (or does not name the host). */
  | 'untrusted'
  /** The server refused our client certificate, or wanted one. */
  | 'client-certificate'
  /** The other side does not speak TLS (a plaintext port). */
  | 'not-tls';

/** Classifies an error (or any error in its `cause` chain) as a TLS failure, if it is one. */
export function tlsFailure(err: unknown): TlsFailure | undefined {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      VERIFY_CODES.has(code) ||
      /self[- ]signed certificate|unable to verify|certificate has expired|altnames/i.test(message)
    )
      return 'untrusted';
    if (
      /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|certificate required|bad certificate/i.test(`${code} ${message}`)
    )
      return 'client-certificate';
    // A plaintext server reads a ClientHello as garbage and hangs up, or answers in plaintext.
    const notTls = /WRONG_VERSION_NUMBER|wrong version number|packet length too long|disconnected before secure TLS/i;
    if (notTls.test(`${code} ${message}`)) return 'not-tls';
    e = e.cause as typeof e;
  }
  return undefined;
}
