// The source registry is the one list: every entry's adapter folder exists and builds a source, and
// every adapter folder is used by an entry (a folder nobody registered is dead code).
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapterFactory, buildSources } from '../../bin/sources.ts';
import { SlidingWindowRateLimiter } from '../../producers/rate-limiter.ts';
import { loadConfig } from '../../lib/config.ts';
import { SOURCES, SOURCE_NAMES } from '../../lib/sources/registry.ts';

const SOURCES_DIR = new URL('../../producers/sources/', import.meta.url);

describe('the source registry', () => {
  it('names unique, lower-case sources, each with an adapter folder that builds it', async () => {
    expect(new Set(SOURCE_NAMES).size).toBe(SOURCES.length);
    for (const s of SOURCES) {
      expect(s.name).toMatch(/^[a-z][a-z0-9-]*$/);
      const create = await adapterFactory(s.adapter);
      const source = create({
        name: s.name,
        baseUrl: 'https://example.invalid',
        timeoutMs: 1000,
        rateLimiter: new SlidingWindowRateLimiter(),
      });
      expect(source.name).toBe(s.name);
    }
  });

  it('has an entry for every adapter folder', () => {
    const folders = readdirSync(SOURCES_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/index.ts`, SOURCES_DIR)))
      .map((d) => d.name);
    expect(folders.sort()).toEqual([...new Set(SOURCES.map((s) => s.adapter))].sort());
  });

  it('refuses an adapter folder that does not exist, naming it', async () => {
    await expect(adapterFactory('nowhere')).rejects.toThrow(/producers\/sources\/nowhere\/index\.ts/);
  });

  it('builds every source with its own settings: base URL, path and politeness', async () => {
    const config = loadConfig({
      TWS_SIM_PORT: '9999',
      TWS_SOURCES__GAMETIME__BASE_URL: 'http://gt.example',
      TWS_SOURCES__SIMULATED_GAMETIME__RATE_LIMIT_PER_MINUTE: '7',
      TWS_SOURCES__VIVIDSEATS__PATH: '/v9/listings',
    });
    expect(config.sources.gametime).toMatchObject({ baseUrl: 'http://gt.example', ratePerMinute: 60 });
    expect(config.sources['simulated-gametime']).toMatchObject({
      baseUrl: 'http://127.0.0.1:9999',
      onSimulator: true,
      ratePerMinute: 7,
    });
    expect(config.sources.vividseats).toMatchObject({ baseUrl: 'https://www.vividseats.com', path: '/v9/listings' });
    const sources = await buildSources(config, { simUrl: 'http://127.0.0.1:4242' });
    expect(Object.keys(sources).sort()).toEqual([...SOURCE_NAMES].sort());
    for (const [name, s] of Object.entries(sources)) expect(s.name).toBe(name);
  });
});
