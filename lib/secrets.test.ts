// Secrets from files (`<NAME>_FILE`), and secrets kept out of error messages and `tws config`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { REDACTED, redactConfig, redactUrl, redactUrlsIn } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'tws-secrets-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadConfig accepted it');
}

describe('secret files', () => {
  it('reads a secret from <NAME>_FILE, dropping the trailing newline', () => {
    const cfg = loadConfig({
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_PASSWORD_FILE: file('ch', 'pa ss\n'),
      SCHEMA_REGISTRY_USERNAME: 'reader',
      SCHEMA_REGISTRY_PASSWORD_FILE: file('sr', 'sr-secret'),
      TWS_API_KEYS_FILE: file('keys', 'k1,k2\n'),
    });
    expect(cfg.clickhouse).toMatchObject({ mode: 'server', password: 'pa ss' });
    expect(cfg.registry.auth).toEqual({ username: 'reader', password: 'sr-secret' });
    expect(cfg.api.keys).toEqual(['k1', 'k2']);
  });

  it('refuses a secret set both ways, naming both settings', () => {
    const err = configError({ CLICKHOUSE_PASSWORD: 'a', CLICKHOUSE_PASSWORD_FILE: file('ch2', 'b') });
    expect(err.message).toContain('CLICKHOUSE_PASSWORD and CLICKHOUSE_PASSWORD_FILE are both set');
  });

  it('names the _FILE setting when its file is missing or empty', () => {
    expect(configError({ KAFKA_SASL_PASSWORD_FILE: join(dir, 'nope') })).toMatchObject({
      variable: 'KAFKA_SASL_PASSWORD_FILE',
      message: expect.stringContaining('ENOENT'),
    });
    expect(configError({ KAFKA_SASL_PASSWORD_FILE: file('empty', '\n') }).message).toContain('is empty');
  });

  it('never echoes a secret in a validation error', () => {
    const err = configError({ TWS_ALERT_WEBHOOK_URL: 'not a url but a token-xyz' });
    expect(err.variable).toBe('TWS_ALERT_WEBHOOK_URL');
    expect(err.message).not.toContain('token-xyz');
    expect(err.message).toContain(REDACTED);
  });
});

describe('redaction', () => {
  it('takes the password out of URLs, alone or in text', () => {
    expect(redactUrl('http://u:p%40ss@h:1/x?y=1')).toBe(`http://u:${REDACTED}@h:1/x?y=1`);
    expect(redactUrl('http://h:1/x')).toBe('http://h:1/x');
    expect(redactUrlsIn('fetch http://u:secret@h:1/a failed; also https://a:b@c/')).toBe(
      `fetch http://u:${REDACTED}@h:1/a failed; also https://a:${REDACTED}@c/`,
    );
  });

  it('shows the configuration with every secret replaced', () => {
    const cfg = loadConfig({
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'tws',
      KAFKA_SASL_PASSWORD: 'kafka-secret',
      SCHEMA_REGISTRY_USERNAME: 'reader',
      SCHEMA_REGISTRY_PASSWORD: 'sr-secret',
      CLICKHOUSE_URL: 'http://ch:8123',
      CLICKHOUSE_PASSWORD: 'ch-secret',
      TWS_API_KEYS: 'key-1,key-2',
      TWS_ALERT_WEBHOOK_URL: 'https://hooks.example/T0K3N',
    });
    const shown = JSON.stringify(redactConfig(cfg));
    for (const secret of ['kafka-secret', 'sr-secret', 'ch-secret', 'key-1', 'key-2', 'T0K3N'])
      expect(shown).not.toContain(secret);
    expect(redactConfig(cfg).kafka.security.sasl).toEqual({ mechanism: 'PLAIN', username: 'tws', password: REDACTED });
    expect(redactConfig(cfg).api.keys).toEqual([REDACTED, REDACTED]);
  });
});

describe('logs', () => {
  it('redact the secrets of the configuration sections a log line may hold', async () => {
    const { createLogger } = await import('./logger.ts');
    const lines: string[] = [];
    const destination = new (await import('node:stream')).Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'info', destination });
    const cfg = loadConfig({
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'tws',
      KAFKA_SASL_PASSWORD: 'kafka-secret',
      SCHEMA_REGISTRY_USERNAME: 'reader',
      SCHEMA_REGISTRY_PASSWORD: 'registry-secret',
    });
    log.info({ kafka: cfg.kafka.security, registry: cfg.registry }, 'settings');
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(text).toContain('"username":"tws"');
    expect(text).not.toContain('kafka-secret');
    expect(text).not.toContain('registry-secret');
  });
});
