// The registry URL handed to ClickHouse: credentials embedded and percent-encoded, nothing else
// changed. (test/foundation/registry-auth.test.ts shows chDB fetching a schema through it.)
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { REDACTED, redactUrl } from '../secrets.ts';
import { registryUrlForClickHouse } from './clickhouse-url.ts';

describe('registryUrlForClickHouse', () => {
  it('returns the ClickHouse-side URL as it is without credentials', () => {
    const cfg = loadConfig({ TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7' });
    expect(registryUrlForClickHouse(cfg)).toBe('http://registry:8080/apis/ccompat/v7');
    expect(registryUrlForClickHouse(loadConfig({}))).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
  });

  it('embeds the credentials, percent-encoded, in the ClickHouse-side URL', () => {
    const cfg = loadConfig({
      SCHEMA_REGISTRY_URL: 'https://sr.example/apis/ccompat/v7',
      TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL: 'http://sr.internal:8080/apis/ccompat/v7?x=1',
      SCHEMA_REGISTRY_USERNAME: 'tws reader',
      SCHEMA_REGISTRY_PASSWORD: 'p@ss:w/rd%20&#?',
    });
    const url = registryUrlForClickHouse(cfg);
    expect(url).toBe('http://tws%20reader:p%40ss%3Aw%2Frd%2520%26%23%3F@sr.internal:8080/apis/ccompat/v7?x=1');
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.username)).toBe('tws reader');
    expect(decodeURIComponent(parsed.password)).toBe('p@ss:w/rd%20&#?');
    expect(parsed.host).toBe('sr.internal:8080');
  });

  it('is shown only with the password redacted', () => {
    const cfg = loadConfig({ SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'hunter2' });
    expect(redactUrl(registryUrlForClickHouse(cfg))).toBe(`http://u:${REDACTED}@127.0.0.1:8081/apis/ccompat/v7`);
  });
});
