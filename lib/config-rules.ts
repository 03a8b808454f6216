// Rules about settings beyond a single value, for lib/config.ts: files that must hold PEM, and the
// pairs of settings that can contradict each other. A contradiction stops start-up with a message
// that names both settings (and shows no secret).
import { readFileSync } from 'node:fs';
import { redactUrl } from './secrets.ts';

/** Whether `path` is a readable file with a PEM block of `kind` (a certificate or a private key). */
export function holdsPem(path: string, kind: 'CERTIFICATE' | 'PRIVATE KEY'): boolean {
  try {
    const text = readFileSync(path, 'utf8');
    return kind === 'CERTIFICATE'
      ? text.includes('-----BEGIN CERTIFICATE-----')
      : /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/.test(text);
  } catch {
    return false;
  }
}

/** The parsed settings the rules read (the local stack's ports and the client addresses are unset unless given). */
export interface RuleInput {
  TWS_KAFKA_PORT?: number;
  TWS_REGISTRY_PORT?: number;
  KAFKA_BROKERS?: string[];
  SCHEMA_REGISTRY_URL?: string;
  TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL?: string;
  KAFKA_SECURITY_PROTOCOL: string;
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SSL_CA_FILE?: string;
  KAFKA_SSL_CERT_FILE?: string;
  KAFKA_SSL_KEY_FILE?: string;
  KAFKA_SSL_KEY_PASSWORD?: string;
  SCHEMA_REGISTRY_USERNAME?: string;
  SCHEMA_REGISTRY_PASSWORD?: string;
  SCHEMA_REGISTRY_CA_FILE?: string;
  CLICKHOUSE_URL?: string;
  CLICKHOUSE_CA_FILE?: string;
  CLICKHOUSE_CERT_FILE?: string;
  CLICKHOUSE_KEY_FILE?: string;
  TWS_API_READ_AUTH: string;
  TWS_API_KEYS: string[];
}

export interface Conflict {
  /** The setting the message is filed under (the first one it names). */
  setting: string;
  message: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The address the local stack's Kafka has: `127.0.0.1:<port>` (or `localhost:<port>`), alone. */
export const isLocalStackBroker = (brokers: string[], port: number): boolean =>
  brokers.length === 1 &&
  LOOPBACK.has(brokers[0]!.slice(0, brokers[0]!.lastIndexOf(':'))) &&
  brokers[0]!.endsWith(`:${port}`);

/** A registry URL on this machine at the local stack's registry port. */
export function isLocalStackRegistry(url: string, port: number): boolean {
  const u = new URL(url);
  const actual = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
  return LOOPBACK.has(u.hostname) && actual === port;
}

/** Every contradiction between two settings, or a setting that needs another one. */
export function settingConflicts(e: RuleInput): Conflict[] {
  return [
    ...stackConflicts(e),
    ...kafkaSecurityConflicts(e),
    ...registryConflicts(e),
    ...clickhouseConflicts(e),
    ...apiConflicts(e),
  ];
}

function stackConflicts(e: RuleInput): Conflict[] {
  const out: Conflict[] = [];
  if (e.TWS_KAFKA_PORT !== undefined && e.KAFKA_BROKERS && !isLocalStackBroker(e.KAFKA_BROKERS, e.TWS_KAFKA_PORT))
    out.push({
      setting: 'KAFKA_BROKERS',
      message: `KAFKA_BROKERS=${e.KAFKA_BROKERS.join(',')} contradicts TWS_KAFKA_PORT=${e.TWS_KAFKA_PORT} (the local stack's Kafka listens on 127.0.0.1:${e.TWS_KAFKA_PORT}): unset one of them`,
    });
  if (
    e.TWS_REGISTRY_PORT !== undefined &&
    e.SCHEMA_REGISTRY_URL &&
    !isLocalStackRegistry(e.SCHEMA_REGISTRY_URL, e.TWS_REGISTRY_PORT)
  )
    out.push({
      setting: 'SCHEMA_REGISTRY_URL',
      message: `SCHEMA_REGISTRY_URL=${redactUrl(e.SCHEMA_REGISTRY_URL)} contradicts TWS_REGISTRY_PORT=${e.TWS_REGISTRY_PORT} (the local stack's registry listens on 127.0.0.1:${e.TWS_REGISTRY_PORT}): unset one of them`,
    });
  return out;
}

/** A setting that only means something with another one, named as `needs`. */
const needs = (setting: string, isSet: unknown, other: string, ok: boolean, fix: string): Conflict[] =>
  isSet !== undefined && !ok ? [{ setting, message: `${setting} is set but ${other}: ${fix}` }] : [];

function kafkaSecurityConflicts(e: RuleInput): Conflict[] {
  const protocol = e.KAFKA_SECURITY_PROTOCOL;
  const sasl = protocol.startsWith('SASL_');
  const tls = protocol.endsWith('SSL');
  const out: Conflict[] = [];
  for (const name of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
    if (sasl && e[name] === undefined)
      out.push({
        setting: name,
        message: `KAFKA_SECURITY_PROTOCOL=${protocol} needs ${name}${name === 'KAFKA_SASL_PASSWORD' ? ' (or KAFKA_SASL_PASSWORD_FILE)' : ''}`,
      });
    out.push(
      ...needs(
        name,
        e[name],
        `KAFKA_SECURITY_PROTOCOL=${protocol} does not use SASL`,
        sasl,
        'set KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT), or unset it',
      ),
    );
  }
  for (const name of [
    'KAFKA_SSL_CA_FILE',
    'KAFKA_SSL_CERT_FILE',
    'KAFKA_SSL_KEY_FILE',
    'KAFKA_SSL_KEY_PASSWORD',
  ] as const)
    out.push(
      ...needs(
        name,
        e[name],
        `KAFKA_SECURITY_PROTOCOL=${protocol} does not use TLS`,
        tls,
        'set KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL, or unset it',
      ),
    );
  out.push(...pairedFiles('KAFKA_SSL_CERT_FILE', e.KAFKA_SSL_CERT_FILE, 'KAFKA_SSL_KEY_FILE', e.KAFKA_SSL_KEY_FILE));
  out.push(
    ...needs(
      'KAFKA_SSL_KEY_PASSWORD',
      e.KAFKA_SSL_KEY_PASSWORD,
      'KAFKA_SSL_KEY_FILE is not',
      e.KAFKA_SSL_KEY_FILE !== undefined,
      'the password opens that key',
    ),
  );
  return out;
}

/** A client certificate and its key come together. */
function pairedFiles(cert: string, certValue: unknown, key: string, keyValue: unknown): Conflict[] {
  if ((certValue === undefined) === (keyValue === undefined)) return [];
  const [given, missing] = certValue === undefined ? [key, cert] : [cert, key];
  return [{ setting: given, message: `${given} is set but ${missing} is not: a client certificate needs its key` }];
}

function registryConflicts(e: RuleInput): Conflict[] {
  const out: Conflict[] = [];
  for (const name of ['SCHEMA_REGISTRY_URL', 'TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL'] as const) {
    const value = e[name];
    if (value && (new URL(value).username || new URL(value).password))
      out.push({
        setting: name,
        message: `${name} must not carry credentials (got ${redactUrl(value)}): set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, which are kept out of logs`,
      });
  }
  out.push(
    ...needs(
      'SCHEMA_REGISTRY_USERNAME',
      e.SCHEMA_REGISTRY_USERNAME,
      'SCHEMA_REGISTRY_PASSWORD is not',
      e.SCHEMA_REGISTRY_PASSWORD !== undefined,
      'set SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE)',
    ),
    ...needs(
      'SCHEMA_REGISTRY_PASSWORD',
      e.SCHEMA_REGISTRY_PASSWORD,
      'SCHEMA_REGISTRY_USERNAME is not',
      e.SCHEMA_REGISTRY_USERNAME !== undefined,
      'set SCHEMA_REGISTRY_USERNAME',
    ),
  );
  const registryUrl = e.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1';
  out.push(
    ...needs(
      'SCHEMA_REGISTRY_CA_FILE',
      e.SCHEMA_REGISTRY_CA_FILE,
      `SCHEMA_REGISTRY_URL=${redactUrl(registryUrl)} is not https://`,
      registryUrl.startsWith('https:'),
      'use an https:// URL, or unset it',
    ),
  );
  return out;
}

function clickhouseConflicts(e: RuleInput): Conflict[] {
  const url = e.CLICKHOUSE_URL;
  const out: Conflict[] = [];
  for (const name of ['CLICKHOUSE_CA_FILE', 'CLICKHOUSE_CERT_FILE', 'CLICKHOUSE_KEY_FILE'] as const)
    out.push(
      ...needs(
        name,
        e[name],
        url
          ? `CLICKHOUSE_URL=${redactUrl(url)} is not https://`
          : 'CLICKHOUSE_URL is not (embedded ClickHouse uses no TLS)',
        !!url?.startsWith('https:'),
        'set an https:// CLICKHOUSE_URL, or unset it',
      ),
    );
  out.push(
    ...pairedFiles('CLICKHOUSE_CERT_FILE', e.CLICKHOUSE_CERT_FILE, 'CLICKHOUSE_KEY_FILE', e.CLICKHOUSE_KEY_FILE),
  );
  if (url) {
    // @clickhouse/client reads a user, password and database from the URL, over the settings.
    const u = new URL(url);
    if (u.username || u.password)
      out.push({
        setting: 'CLICKHOUSE_URL',
        message: `CLICKHOUSE_URL must not carry credentials (got ${redactUrl(url)}): they would override CLICKHOUSE_USER and CLICKHOUSE_PASSWORD; set those instead`,
      });
    if (u.pathname.length > 1)
      out.push({
        setting: 'CLICKHOUSE_URL',
        message: `CLICKHOUSE_URL has a path (${u.pathname}) that the client would take as the database, over CLICKHOUSE_DATABASE: remove the path and set CLICKHOUSE_DATABASE`,
      });
  }
  return out;
}

function apiConflicts(e: RuleInput): Conflict[] {
  return e.TWS_API_READ_AUTH === 'key' && e.TWS_API_KEYS.length === 0
    ? [
        {
          setting: 'TWS_API_READ_AUTH',
          message:
            'TWS_API_READ_AUTH=key but TWS_API_KEYS is empty: every read would be refused; set TWS_API_KEYS (or TWS_API_KEYS_FILE), or TWS_API_READ_AUTH=public',
        },
      ]
    : [];
}
