import { describe, expect, it } from 'vitest';
import { DEFAULT_INGEST_LANES, ingestLanesBesideApi, loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';

describe('loadConfig', () => {
  it('defaults to the embedded engine and the local stack', () => {
    const cfg = loadConfig({});
    expect(cfg.clickhouse.mode).toBe('embedded');
    expect(cfg.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(cfg.source.ratePerMinute).toBe(60);
  });

  it('ingest lanes: two for consumers alone, one beside the API, unless TWS_INGEST_LANES says', () => {
    expect(DEFAULT_INGEST_LANES).toEqual({ alone: 2, besideApi: 1 });
    const unset = loadConfig({});
    expect(unset.consumer.ingestLanes).toBeUndefined();
    const beside = ingestLanesBesideApi(unset);
    expect(beside.consumer.ingestLanes).toBe(1);
    expect(beside.clickhouse).toMatchObject({ mode: 'embedded', writeSessions: 1 });
    const set = ingestLanesBesideApi(loadConfig({ TWS_INGEST_LANES: '3' }));
    expect(set.consumer.ingestLanes).toBe(3);
    expect(set.clickhouse).toMatchObject({ writeSessions: 3 });
    // A server runs requests side by side on one client: no sessions to open there.
    const server = ingestLanesBesideApi(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123' }));
    expect(server.clickhouse).not.toHaveProperty('writeSessions');
    expect(() => loadConfig({ TWS_INGEST_LANES: '0' })).toThrow(/TWS_INGEST_LANES/);
  });

  it('switches to server mode when CLICKHOUSE_URL is set', () => {
    const cfg = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_DATABASE: 'prod' });
    expect(cfg.clickhouse).toMatchObject({ mode: 'server', url: 'http://ch:8123', database: 'prod' });
  });

  it('takes a ClickHouse cluster only in server mode, and names TWS_CLICKHOUSE_CLUSTER when it is wrong', () => {
    const cfg = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', TWS_CLICKHOUSE_CLUSTER: '{cluster}' });
    expect(cfg.clickhouse).toMatchObject({ mode: 'server', cluster: '{cluster}' });
    for (const env of [
      { TWS_CLICKHOUSE_CLUSTER: 'tws' },
      { CLICKHOUSE_URL: 'http://ch:8123', TWS_CLICKHOUSE_CLUSTER: "x'y" },
    ]) {
      const err = (() => {
        try {
          loadConfig(env);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('TWS_CLICKHOUSE_CLUSTER');
    }
  });

  it('names the variable when a value is wrong', () => {
    const err = (() => {
      try {
        loadConfig({ TWS_RATE_LIMIT_PER_MINUTE: 'fast' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('TWS_RATE_LIMIT_PER_MINUTE');
    expect((err as Error).message).toContain('TWS_RATE_LIMIT_PER_MINUTE');
  });

  it('parses lists and booleans', () => {
    const cfg = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', TWS_RAW_LISTINGS: 'off' });
    expect(cfg.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(cfg.consumer.rawListings).toBe(false);
  });
});
