// TLS and SASL to Kafka (KAFKA_SECURITY_PROTOCOL and friends): the kafkajs `ssl` and `sasl`
// options, a start-up check that fails fast on a wrong credential or an untrusted certificate, and
// the errors that name the setting to fix. kafkajs would retry a TLS failure for about 40 s as a
// network error; a wrong password it does not retry, but nothing names the setting.
// Supported: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_SSL or SASL_PLAINTEXT; TLS with a CA
// (or the system trust store) and an optional client certificate (mTLS). Not OAUTHBEARER: kafkajs
// only takes a token callback, and a token flow we cannot test here would not be supported well.
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { Config, KafkaSecurity } from '../config.ts';
import { AccessError, errorMessage } from '../errors.ts';
import { readPem, tlsFailure } from '../tls.ts';

export interface KafkaSecurityOptions {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

const MECHANISM = { PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' } as const;

/** The kafkajs client options for `security`; nothing for PLAINTEXT. Reads the PEM files now. */
export function kafkaSecurityOptions(security: KafkaSecurity): KafkaSecurityOptions {
  const out: KafkaSecurityOptions = {};
  const tls = security.tls;
  if (tls) {
    const ssl: ConnectionOptions = {
      ...(tls.caFile && { ca: [readPem(tls.caFile, 'KAFKA_SSL_CA_FILE')] }),
      ...(tls.certFile && { cert: readPem(tls.certFile, 'KAFKA_SSL_CERT_FILE') }),
      ...(tls.keyFile && { key: readPem(tls.keyFile, 'KAFKA_SSL_KEY_FILE') }),
      ...(tls.keyPassword !== undefined && { passphrase: tls.keyPassword }),
    };
    // `true`: verify the brokers against the system's trust store.
    out.ssl = Object.keys(ssl).length ? ssl : true;
  }
  const sasl = security.sasl;
  if (sasl)
    out.sasl = {
      mechanism: MECHANISM[sasl.mechanism],
      username: sasl.username,
      password: sasl.password,
    } as SASLOptions;
  return out;
}

/**
 * An AccessError naming the settings behind a kafkajs error about credentials, permissions or TLS;
 * undefined for anything else. Messages quote kafkajs, which never includes the password.
 */
export function kafkaAccessError(err: unknown, security: KafkaSecurity): AccessError | undefined {
  const e = err as { name?: string; type?: string; message?: string; cause?: unknown };
  const names = [e?.name, (e?.cause as { name?: string } | undefined)?.name];
  const message = errorMessage(err);
  if (names.includes('KafkaJSSASLAuthenticationError')) {
    if (/mechanism .* (not supported|not enabled)|unsupported sasl mechanism|UNSUPPORTED_SASL_MECHANISM/i.test(message))
      return new AccessError(
        `Kafka does not offer the SASL mechanism ${security.sasl?.mechanism}: check KAFKA_SASL_MECHANISM (${message})`,
        'auth',
        ['KAFKA_SASL_MECHANISM'],
        err,
      );
    return new AccessError(
      `Kafka refused the SASL ${security.sasl?.mechanism} login of user "${security.sasl?.username}": check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) (${message})`,
      'auth',
      ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'],
      err,
    );
  }
  if (typeof e?.type === 'string' && e.type.endsWith('_AUTHORIZATION_FAILED'))
    return new AccessError(
      `Kafka refused an operation to ${security.sasl ? `user "${security.sasl.username}"` : 'this client'} (${e.type}): grant it the ACLs listed in docs/operations.md ("Bring your own ClickHouse and Kafka")`,
      'auth',
      ['KAFKA_SASL_USERNAME'],
      err,
    );
  const failure = tlsFailure(err);
  if (failure === 'untrusted')
    return new AccessError(
      `the Kafka broker's certificate did not verify (${message}): check KAFKA_SSL_CA_FILE${security.tls?.caFile ? '' : ' (unset: the system trust store)'} and that KAFKA_BROKERS names the hosts in the certificate`,
      'tls',
      ['KAFKA_SSL_CA_FILE', 'KAFKA_BROKERS'],
      err,
    );
  if (failure === 'client-certificate')
    return new AccessError(
      `the Kafka broker refused the client certificate (${message}): check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE`,
      'tls',
      ['KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'],
      err,
    );
  if (failure === 'not-tls')
    return new AccessError(
      `the Kafka broker does not speak TLS on that port (${message}): check KAFKA_SECURITY_PROTOCOL and KAFKA_BROKERS`,
      'tls',
      ['KAFKA_SECURITY_PROTOCOL', 'KAFKA_BROKERS'],
      err,
    );
  return undefined;
}

/**
 * With TLS or SASL configured, one connection attempt without retries: a credential, permission
 * or certificate problem becomes an AccessError at once. Anything else (a broker that is down) is
 * left to the callers' own retries. Nothing to check for PLAINTEXT.
 */
export async function checkKafkaAccess(cfg: Config['kafka']): Promise<void> {
  if (cfg.security.protocol === 'PLAINTEXT') return;
  const admin = new Kafka({
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    ...kafkaSecurityOptions(cfg.security),
    connectionTimeout: 5_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    const access = kafkaAccessError(err, cfg.security);
    if (access) throw access;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
