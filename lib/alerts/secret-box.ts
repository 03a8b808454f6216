// Sealing of alert targets. A webhook URL often is a credential (Slack and Discord put the token in
// the path) and a signing secret is one, yet rules travel on a Kafka topic and sit in a ClickHouse
// table that analysts can query (/v1/sql). So both are encrypted at rest with AES-256-GCM under
// TWS_ALERT_SECRET_KEY; only the processes that deliver or test an alert open them.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Parses 32 bytes given as 64 hex digits or as base64. */
export function parseKey(text: string, variable = 'TWS_ALERT_SECRET_KEY'): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new ConfigError(`${variable}: must be 32 bytes as 64 hex digits or base64`, variable);
  return key;
}

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new ConfigError('the alert secret key must be 32 bytes', 'TWS_ALERT_SECRET_KEY');
    this.key = key;
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws ConfigError when the text was sealed under another key (or is not sealed at all). */
  open(sealed: string): string {
    const [version, data] = sealed.split(':', 2);
    const raw = Buffer.from(data ?? '', 'base64');
    if (version !== VERSION || raw.length < IV_BYTES + TAG_BYTES)
      throw new ConfigError('an alert target is not sealed in a known format', 'TWS_ALERT_SECRET_KEY');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new ConfigError(
        'an alert target cannot be opened: it was sealed under another TWS_ALERT_SECRET_KEY',
        'TWS_ALERT_SECRET_KEY',
      );
    }
  }
}

/** Where the embedded default keeps a generated key when TWS_ALERT_SECRET_KEY is unset. */
export const keyFilePath = (dataDir: string): string => join(dataDir, 'alert-secret.key');

/**
 * The key from TWS_ALERT_SECRET_KEY; on the embedded default without it, a key generated once into
 * the data directory (mode 0600), which every command on that directory then shares. With a
 * ClickHouse server the processes run apart and must share one key, so it is required there.
 */
export function loadSecretBox(config: Pick<Config, 'dataDir' | 'clickhouse' | 'alerts'>): SecretBox {
  if (config.alerts.secretKey) return new SecretBox(parseKey(config.alerts.secretKey));
  if (config.clickhouse.mode === 'server')
    throw new ConfigError(
      'TWS_ALERT_SECRET_KEY: required with CLICKHOUSE_URL (every alerter, API and CLI process must share it); generate one with `openssl rand -hex 32`',
      'TWS_ALERT_SECRET_KEY',
    );
  const file = keyFilePath(config.dataDir);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // `wx`: two processes starting at once do not overwrite each other's key.
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    chmodSync(file, 0o600);
  }
  return new SecretBox(parseKey(readFileSync(file, 'utf8'), file));
}
