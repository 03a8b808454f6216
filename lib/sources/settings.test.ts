import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { sourceVariable } from './settings.ts';

const settingsWarned = (env: Record<string, string>) => loadConfig(env).warnings.map((w) => w.setting);

describe('per-source settings', () => {
  it('names each variable after the source, in upper case with "_" for other characters', () => {
    expect(sourceVariable('simulated-gametime', 'BASE_URL')).toBe('TWS_SOURCES__SIMULATED_GAMETIME__BASE_URL');
  });

  it('defaults every source to its registry base URL (the simulator at TWS_SIM_PORT) and the global politeness', () => {
    const c = loadConfig({ TWS_SIM_PORT: '8123', TWS_RATE_LIMIT_PER_MINUTE: '30', TWS_REQUEST_TIMEOUT_MS: '5000' });
    expect(c.sources.vividseats).toEqual({
      baseUrl: 'https://www.vividseats.com',
      onSimulator: false,
      ratePerMinute: 30,
      timeoutMs: 5000,
    });
    expect(c.sources.simulated).toMatchObject({ baseUrl: 'http://127.0.0.1:8123', onSimulator: true });
    expect(c.warnings).toEqual([]);
    expect(c.allSources).toEqual({ dedupeTolerance: 0.02, maxAgeSeconds: 3600 });
  });

  it('names the variable when a per-source value is wrong', () => {
    let err: unknown;
    try {
      loadConfig({ TWS_SOURCES__GAMETIME__RATE_LIMIT_PER_MINUTE: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('TWS_SOURCES__GAMETIME__RATE_LIMIT_PER_MINUTE');
  });

  it('keeps the deprecated TWS_SOURCE_BASE_URL working for the source TWS_SOURCE names, with a warning', () => {
    const c = loadConfig({ TWS_SOURCE: 'vividseats', TWS_SOURCE_BASE_URL: 'http://mirror.example' });
    expect(c.sources.vividseats.baseUrl).toBe('http://mirror.example');
    expect(c.sources.simulated.onSimulator).toBe(true);
    expect(c.warnings).toEqual([
      {
        setting: 'TWS_SOURCE_BASE_URL',
        message: expect.stringContaining('TWS_SOURCES__VIVIDSEATS__BASE_URL') as unknown as string,
      },
    ]);
    // Without TWS_SOURCE it applies to `simulated`, as before.
    expect(loadConfig({ TWS_SOURCE_BASE_URL: 'http://sim:8090' }).sources.simulated.baseUrl).toBe('http://sim:8090');
  });

  it('warns about settings that have no effect', () => {
    expect(settingsWarned({ TWS_SOURCE: 'simulated' })).toEqual(['TWS_SOURCE']);
    const all = (key: string, v: string) =>
      Object.fromEntries(
        ['VIVIDSEATS', 'GAMETIME', 'SIMULATED', 'SIMULATED_GAMETIME'].map((n) => [`TWS_SOURCES__${n}__${key}`, v]),
      );
    expect(settingsWarned({ TWS_RATE_LIMIT_PER_MINUTE: '10', ...all('RATE_LIMIT_PER_MINUTE', '5') })).toEqual([
      'TWS_RATE_LIMIT_PER_MINUTE',
    ]);
    // A default nobody set is no choice: no warning.
    expect(settingsWarned(all('REQUEST_TIMEOUT_MS', '900'))).toEqual([]);
  });

  it('stops on two settings that say different things about one source, naming both', () => {
    let err: unknown;
    try {
      loadConfig({ TWS_SOURCE_BASE_URL: 'http://a.example', TWS_SOURCES__SIMULATED__BASE_URL: 'http://b.example' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/TWS_SOURCE_BASE_URL contradicts TWS_SOURCES__SIMULATED__BASE_URL/);
  });
});
