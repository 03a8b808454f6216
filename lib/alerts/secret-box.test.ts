// Sealing of alert targets: round trip, another key, a generated key file, and what a log keeps.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { REDACT_PATHS } from '../logger.ts';
import { SecretBox, keyFilePath, loadSecretBox, parseKey } from './secret-box.ts';
import { openTarget, sealTarget, targetUrlProblem, urlHint } from './targets.ts';

const URL_WITH_TOKEN = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETTOKEN';

describe('SecretBox', () => {
  it('seals to a different text each time and opens it again', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal('hello');
    expect(a).not.toBe(box.seal('hello'));
    expect(a).toMatch(/^v1:/);
    expect(box.open(a)).toBe('hello');
  });

  it('refuses what another key sealed, or what was tampered with, naming the setting', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('x');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(ConfigError);
    const box = new SecretBox(randomBytes(32));
    const s = box.seal('value');
    const tampered = `${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(() => box.open(tampered)).toThrow(/TWS_ALERT_SECRET_KEY/);
    expect(() => box.open('plain text')).toThrow(ConfigError);
  });

  it('takes a key as 64 hex digits or base64 of 32 bytes, nothing else', () => {
    const raw = randomBytes(32);
    expect(parseKey(raw.toString('hex'))).toEqual(raw);
    expect(parseKey(raw.toString('base64'))).toEqual(raw);
    expect(() => parseKey('abc')).toThrow(/TWS_ALERT_SECRET_KEY/);
  });

  it('generates a key file once (0600) on the embedded default, and requires the key with a server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tws-key-'));
    const cfg = loadConfig({ TWS_DATA_DIR: dir });
    const sealed = loadSecretBox(cfg).seal('x');
    expect(statSync(keyFilePath(cfg.dataDir)).mode & 0o777).toBe(0o600);
    const first = readFileSync(keyFilePath(cfg.dataDir), 'utf8');
    expect(loadSecretBox(cfg).open(sealed)).toBe('x');
    expect(readFileSync(keyFilePath(cfg.dataDir), 'utf8')).toBe(first);
    const server = loadConfig({ TWS_DATA_DIR: dir, CLICKHOUSE_URL: 'http://ch.example:8123' });
    expect(() => loadSecretBox(server)).toThrow(ConfigError);
    const key = randomBytes(32).toString('hex');
    expect(() =>
      loadSecretBox(loadConfig({ CLICKHOUSE_URL: 'http://ch.example:8123', TWS_ALERT_SECRET_KEY: key })),
    ).not.toThrow();
  });
});

describe('targets', () => {
  it('keep the URL and secret sealed and show scheme and host only', () => {
    const box = new SecretBox(randomBytes(32));
    const t = sealTarget(box, { url: URL_WITH_TOKEN, format: 'slack', secret: 'whsec_0123456789abcdef' });
    expect(t).toMatchObject({ format: 'slack', url_hint: 'https://hooks.slack.com/…', signed: true });
    expect(JSON.stringify(t)).not.toContain('SECRETTOKEN');
    expect(JSON.stringify(t)).not.toContain('whsec_');
    expect(openTarget(box, t)).toEqual({
      target_id: t.target_id,
      format: 'slack',
      url: URL_WITH_TOKEN,
      secret: 'whsec_0123456789abcdef',
    });
    expect(urlHint('https://user:pw@x.example:8443/p?q=1')).toBe('https://x.example:8443/…');
  });

  it('refuse what cannot be a webhook', () => {
    expect(targetUrlProblem('https://x.example/hook')).toBeNull();
    expect(targetUrlProblem('http://127.0.0.1:9000/hook')).toBeNull();
    expect(targetUrlProblem('ftp://x.example/')).toMatch(/http/);
    expect(targetUrlProblem('not a url')).toMatch(/absolute/);
    expect(targetUrlProblem('https://u:p@x.example/')).toMatch(/user name/);
    expect(targetUrlProblem('http://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(targetUrlProblem('http://[fe80::1]/')).toMatch(/link-local/);
  });

  it('never reach a log: secrets are redacted by path', () => {
    const lines: string[] = [];
    const log = pino(
      { redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
      new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    );
    log.info({ secret: 's1', target: { secret: 's2' }, rule: { target: { secret: 's3' } } }, 'x');
    expect(lines.join('')).not.toMatch(/s[123]"/);
  });
});
