// Secret settings: each comes from its variable or from a file named by `<NAME>_FILE` (Docker and
// Kubernetes mount secrets as files), and no secret is ever printed: error messages, logs and
// `tws config` show REDACTED instead. Files are read once, at start-up.
import { readFileSync } from 'node:fs';
import type { Config } from './config.ts';
import { ConfigError } from './errors.ts';

export const SECRET_SETTINGS = [
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SSL_KEY_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD',
  'CLICKHOUSE_PASSWORD',
  'TWS_API_KEYS',
  'TWS_ALERT_WEBHOOK_URL',
  'TWS_ALERT_SECRET_KEY',
] as const;

export type SecretSetting = (typeof SECRET_SETTINGS)[number];

export const REDACTED = '[redacted]';

export const secretFileSetting = (name: SecretSetting): `${SecretSetting}_FILE` => `${name}_FILE`;

/** Whether a setting's value must never be shown (the secret itself; its `_FILE` path is harmless). */
export const isSecretSetting = (name: string): boolean => (SECRET_SETTINGS as readonly string[]).includes(name);

/**
 * Fills each secret whose `<NAME>_FILE` is set from that file (one trailing newline dropped, as
 * `echo secret > file` leaves one). Setting both the value and the file is a contradiction.
 */
export function readSecretFiles(picked: Record<string, string>): Record<string, string> {
  const out = { ...picked };
  for (const name of SECRET_SETTINGS) {
    const fileSetting = secretFileSetting(name);
    const path = picked[fileSetting];
    if (path === undefined) continue;
    if (picked[name] !== undefined)
      throw new ConfigError(`${name} and ${fileSetting} are both set: keep one of them`, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(
        `${fileSetting}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        fileSetting,
      );
    }
    if (text === '') throw new ConfigError(`${fileSetting}: ${path} is empty`, fileSetting);
    out[name] = text;
  }
  return out;
}

/** The URL with any password in it replaced (`http://user:[redacted]@host/…`), for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = 'REDACTED';
    return u.toString().replace(':REDACTED@', `:${REDACTED}@`);
  } catch {
    return url;
  }
}

/** Replaces the password of every `scheme://user:password@` in free text (driver and server messages). */
export const redactUrlsIn = (text: string): string =>
  text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, `$1:${REDACTED}@`);

/** A value as error messages may show it: secrets never, URLs without their password. */
export const shownValue = (name: string, value: string | undefined): string =>
  value === undefined ? '(unset)' : isSecretSetting(name) ? REDACTED : `"${redactUrlsIn(value)}"`;

/** The configuration with every secret replaced, for `tws config` and for logs. */
export function redactConfig(config: Config): Config {
  const hide = <T>(v: T | undefined): T | undefined => (v === undefined ? v : (REDACTED as T));
  const { kafka, registry, clickhouse, api, alerts } = config;
  return {
    ...config,
    kafka: {
      ...kafka,
      security: {
        ...kafka.security,
        ...(kafka.security.sasl && { sasl: { ...kafka.security.sasl, password: REDACTED } }),
        ...(kafka.security.tls && {
          tls: { ...kafka.security.tls, keyPassword: hide(kafka.security.tls.keyPassword) },
        }),
      },
    },
    registry: { ...registry, ...(registry.auth && { auth: { ...registry.auth, password: REDACTED } }) },
    clickhouse:
      clickhouse.mode === 'server' ? { ...clickhouse, password: clickhouse.password && REDACTED } : clickhouse,
    api: { ...api, keys: api.keys.map(() => REDACTED) },
    alerts: { ...alerts, webhookUrl: hide(alerts.webhookUrl), secretKey: hide(alerts.secretKey) },
  };
}
