// Settings as the CLI takes them: a misspelt --set or config-file name fails with the close
// matches, `tws config` shows the resolved configuration without secrets, the stack commands read
// the same flags, and `tws up` refuses contradictory settings before it starts anything.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, tws } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tws-settings-'));

describe('strict setting names', () => {
  it('--set with a misspelt name fails and suggests the setting', async () => {
    const r = await tws(['--set', 'TWS_RATE_LIMT_PER_MINUTE=5', 'up'], cliEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown setting TWS_RATE_LIMT_PER_MINUTE; did you mean TWS_RATE_LIMIT_PER_MINUTE');
    expect(r.stdout).not.toContain('starting');
  });

  it('a misspelt config-file key fails the same way; a right one is used', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'TWS_SCRAPE_INTERVAL_SECOND: 60\n');
    const r = await tws(['--config', bad, 'config'], cliEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did you mean TWS_SCRAPE_INTERVAL_SECONDS');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'TWS_SCRAPE_INTERVAL_SECONDS: 60\n');
    const ok = await tws(['--config', good, '--set', 'TWS_RATE_LIMIT_PER_MINUTE=5', 'config'], cliEnv());
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).source).toMatchObject({ intervalSeconds: 60, ratePerMinute: 5 });
  });

  it('a name far from every setting says where the names are listed', async () => {
    const r = await tws(['--set', 'COMPLETELY_UNRELATED=1', 'config'], cliEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('docs/operations.md');
  });

  it('the local stack reads the same flags (stack settings are known names)', async () => {
    const r = await tws(
      ['--set', 'TWS_KAFKA_PORT=29092', '--set', `TWS_STACK_DIR=${join(dir, 'stack')}`, 'stack', 'status'],
      cliEnv(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kafka\s+stopped\s+port=29092/);
  });
});

describe('tws config', () => {
  it('prints the resolved configuration with every secret redacted', async () => {
    const passwordFile = join(dir, 'kafka-password');
    writeFileSync(passwordFile, 'kafka-S3CRET\n');
    const r = await tws(
      ['config'],
      cliEnv({
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'tws',
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
        SCHEMA_REGISTRY_USERNAME: 'reader',
        SCHEMA_REGISTRY_PASSWORD: 'registry-S3CRET',
        TWS_API_KEYS: 'api-S3CRET',
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('S3CRET');
    const shown = JSON.parse(r.stdout);
    expect(shown.kafka.security.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'tws', password: '[redacted]' });
    expect(shown.registry.auth).toEqual({ username: 'reader', password: '[redacted]' });
  });
});

describe('tws up refuses contradictory settings before starting anything', () => {
  it('a stack port and a broker list that disagree: the error names both', async () => {
    const r = await tws(['up'], cliEnv({ TWS_KAFKA_PORT: '29092', KAFKA_BROKERS: 'kafka.example:9092' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('KAFKA_BROKERS=kafka.example:9092 contradicts TWS_KAFKA_PORT=29092');
    expect(r.stdout).not.toMatch(/starting on|local Kafka/);
  });

  it('a registry port and a registry URL that disagree: the error names both', async () => {
    const r = await tws(
      ['up'],
      cliEnv({ TWS_REGISTRY_PORT: '28081', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SCHEMA_REGISTRY_URL=.* contradicts TWS_REGISTRY_PORT=28081/);
  });

  it('two of its listeners on one port: the error names both settings', async () => {
    const r = await tws(['up'], cliEnv({ TWS_API_PORT: '18090', TWS_SIM_PORT: '18090' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TWS_API_PORT=18090 and TWS_SIM_PORT=18090 are the same port');
    expect(r.stdout).not.toMatch(/starting on/);
  });
});
