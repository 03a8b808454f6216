// The settings that must agree: each contradiction stops loadConfig with a message that names both
// settings, and the local stack's ports decide where the clients go when nothing else is set.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'tws-rules-'));
const CERT = join(dir, 'ca.pem');
const KEY = join(dir, 'client.key');
writeFileSync(CERT, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
writeFileSync(KEY, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('the local stack as the one source of the client addresses', () => {
  it('points the clients at the stack ports when no address is given', () => {
    const cfg = loadConfig({ TWS_KAFKA_PORT: '29092', TWS_REGISTRY_PORT: '28081' });
    expect(cfg.kafka.brokers).toEqual(['127.0.0.1:29092']);
    expect(cfg.registry.url).toBe('http://127.0.0.1:28081/apis/ccompat/v7');
    expect(cfg.registry.clickhouseUrl).toBe('http://127.0.0.1:28081/apis/ccompat/v7');
    expect(cfg.localStack).toEqual({ kafkaPort: 29092, registryPort: 28081, kafka: true, registry: true });
  });

  it('uses given addresses, and marks them as not the local stack', () => {
    const cfg = loadConfig({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092', SCHEMA_REGISTRY_URL: 'https://sr.example' });
    expect(cfg.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(cfg.localStack).toMatchObject({ kafka: false, registry: false });
  });

  it('accepts a port and an address that agree', () => {
    const cfg = loadConfig({
      TWS_KAFKA_PORT: '29092',
      KAFKA_BROKERS: 'localhost:29092',
      TWS_REGISTRY_PORT: '28081',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:28081/apis/ccompat/v7',
    });
    expect(cfg.localStack).toMatchObject({ kafka: true, registry: true });
  });

  it.each([
    [{ TWS_KAFKA_PORT: '29092', KAFKA_BROKERS: '127.0.0.1:9092' }, ['KAFKA_BROKERS', 'TWS_KAFKA_PORT']],
    [{ TWS_KAFKA_PORT: '29092', KAFKA_BROKERS: 'kafka:29092' }, ['KAFKA_BROKERS', 'TWS_KAFKA_PORT']],
    [
      { TWS_REGISTRY_PORT: '28081', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' },
      ['SCHEMA_REGISTRY_URL', 'TWS_REGISTRY_PORT'],
    ],
  ])('names both settings when a stack port contradicts an address: %j', (env, names) => {
    const err = configError(env);
    for (const name of names) expect(err.message).toContain(name);
    expect(err.variable).toBe(names[0]);
  });
});

describe('pairs of settings that must agree', () => {
  it.each([
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, 'KAFKA_SASL_MECHANISM', 'KAFKA_SECURITY_PROTOCOL=SASL_SSL needs'],
    [
      { KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' },
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_PASSWORD_FILE',
    ],
    [{ KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_USERNAME', 'KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL'],
    [{ KAFKA_SSL_CA_FILE: CERT }, 'KAFKA_SSL_CA_FILE', 'KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use TLS'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: CERT }, 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE is not'],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_PASSWORD: 'x' },
      'KAFKA_SSL_KEY_PASSWORD',
      'KAFKA_SSL_KEY_FILE is not',
    ],
    [{ SCHEMA_REGISTRY_USERNAME: 'u' }, 'SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD is not'],
    [{ SCHEMA_REGISTRY_PASSWORD: 'p' }, 'SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_USERNAME is not'],
    [{ SCHEMA_REGISTRY_CA_FILE: CERT }, 'SCHEMA_REGISTRY_CA_FILE', 'SCHEMA_REGISTRY_URL='],
    [{ CLICKHOUSE_CA_FILE: CERT }, 'CLICKHOUSE_CA_FILE', 'CLICKHOUSE_URL is not'],
    [
      { CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CA_FILE: CERT },
      'CLICKHOUSE_CA_FILE',
      'CLICKHOUSE_URL=http://ch:8123 is not https://',
    ],
    [
      { CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_KEY_FILE: KEY },
      'CLICKHOUSE_KEY_FILE',
      'CLICKHOUSE_CERT_FILE is not',
    ],
    [{ CLICKHOUSE_URL: 'https://ch:8443/analytics' }, 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE'],
    [{ CLICKHOUSE_URL: 'https://u:pw@ch:8443' }, 'CLICKHOUSE_URL', 'CLICKHOUSE_PASSWORD'],
    [{ TWS_API_READ_AUTH: 'key' }, 'TWS_API_READ_AUTH', 'TWS_API_KEYS is empty'],
  ])('%j: %s', (env, variable, text) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(text);
  });

  it('never shows the password of a URL with credentials', () => {
    const err = configError({ SCHEMA_REGISTRY_URL: 'https://reader:hunter2@sr.example/apis/ccompat/v7' });
    expect(err.message).toContain('SCHEMA_REGISTRY_USERNAME');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('https://reader:[redacted]@sr.example');
  });

  it('checks that certificate and key files hold PEM', () => {
    const err = configError({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: KEY });
    expect(err.variable).toBe('KAFKA_SSL_CA_FILE');
    expect(err.message).toContain('not a readable PEM file with a certificate');
    expect(configError({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }).variable).toBe(
      'KAFKA_SSL_CA_FILE',
    );
  });

  it('builds the Kafka security section the client reads', () => {
    const cfg = loadConfig({
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'tws',
      KAFKA_SASL_PASSWORD: 's3cret',
      KAFKA_SSL_CA_FILE: CERT,
    });
    expect(cfg.kafka.security).toEqual({
      protocol: 'SASL_SSL',
      tls: { caFile: CERT, certFile: undefined, keyFile: undefined, keyPassword: undefined },
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'tws', password: 's3cret' },
    });
    expect(loadConfig({}).kafka.security).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('refuses a SASL mechanism it does not support, listing the ones it does', () => {
    const err = configError({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(err.variable).toBe('KAFKA_SASL_MECHANISM');
    expect(err.message).toMatch(/PLAIN.*SCRAM-SHA-256.*SCRAM-SHA-512/);
  });
});
