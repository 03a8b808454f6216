// The server-mode suite (test/server/, `npm run test:server`) needs Docker; its container specs and
// role environments are pure functions of deploy/compose and are checked here, without Docker, so
// that its first run on a machine with Docker starts what deploy/ describes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import {
  clusterSpecs,
  interpolate,
  networkRegistryUrl,
  roleEnv,
  skipLine,
  suiteSpecs,
  type ServerEndpoints,
} from '../server/support/specs.ts';
import { COMPOSE_DIR, composeModel } from './files.ts';

const base = composeModel(join(COMPOSE_DIR, 'docker-compose.yml'));
const cluster = composeModel(join(COMPOSE_DIR, 'docker-compose.cluster.yml'));
const merged = composeModel(join(COMPOSE_DIR, 'docker-compose.yml'), join(COMPOSE_DIR, 'docker-compose.cluster.yml'));
const vars = {
  CLICKHOUSE_PASSWORD: 'pw',
  CLICKHOUSE_ANALYST_PASSWORD: 'apw',
  CLICKHOUSE_CLUSTER_SECRET: 'sec',
};
const specs = suiteSpecs(base, { host: 'docker.example', kafkaHostPort: 40123, vars });

describe('server-mode suite: container specs from deploy/compose', () => {
  it('runs the images of docker-compose.yml', () => {
    expect(specs.kafka.image).toBe(base.services.kafka.image);
    expect(specs.registry.image).toBe(base.services.registry.image);
    expect(specs.clickhouse.image).toBe(base.services.clickhouse.image);
  });

  it("runs Kafka with the compose broker's KRaft settings, advertising the host port the test connects to", () => {
    const { KAFKA_ADVERTISED_LISTENERS: advertised, ...rest } = specs.kafka.env;
    expect(advertised).toBe('INTERNAL://kafka:19092,HOST://docker.example:40123');
    const { KAFKA_ADVERTISED_LISTENERS: _, ...composeRest } = base.services.kafka.environment;
    expect(rest).toEqual(Object.fromEntries(Object.entries(composeRest).map(([k, v]) => [k, String(v)])));
    expect(specs.kafka.ports).toEqual([{ container: 9092, host: 40123 }]);
    expect(specs.kafka.env.KAFKA_CONTROLLER_QUORUM_VOTERS).toContain(`@${specs.kafka.alias}:`);
  });

  it('gives ClickHouse the storage policy and the analyst account from deploy/clickhouse, and its secrets', () => {
    const targets = specs.clickhouse.files.map((f) => f.target);
    expect(targets).toContain('/etc/clickhouse-server/config.d/storage.xml');
    expect(targets).toContain('/etc/clickhouse-server/users.d/analyst.xml');
    for (const f of specs.clickhouse.files) expect(existsSync(f.source), f.source).toBe(true);
    expect(specs.clickhouse.env).toMatchObject({ CLICKHOUSE_USER: 'tws', CLICKHOUSE_PASSWORD: 'pw' });
    expect(specs.clickhouse.wait).toEqual({ http: { port: 8123, path: '/ping' } });
  });

  it('waits for the registry on the Confluent-compatible API the roles use', () => {
    const path = new URL(networkRegistryUrl(base)).pathname;
    expect(specs.registry.wait).toEqual({ http: { port: 8080, path: `${path}/subjects` } });
    expect(new URL(networkRegistryUrl(base)).hostname).toBe(specs.registry.alias);
  });

  it('starts the Keeper and the two replicas of docker-compose.cluster.yml with their config files', () => {
    const [keeper, ...replicas] = clusterSpecs(merged, vars);
    expect(keeper!.alias).toBe('keeper');
    expect(keeper!.entrypoint).toEqual(cluster.services.keeper.entrypoint);
    expect(keeper!.wait).toEqual({ healthcheck: cluster.services.keeper.healthcheck.test });
    expect(replicas.map((r) => r.alias)).toEqual(['clickhouse-1', 'clickhouse-2']);
    for (const r of replicas) {
      expect(r.env).toMatchObject({ CLICKHOUSE_REPLICA: r.alias, CLICKHOUSE_CLUSTER_SECRET: 'sec' });
      expect(r.files.map((f) => f.target)).toEqual(
        expect.arrayContaining([
          '/etc/clickhouse-server/config.d/storage.xml',
          '/etc/clickhouse-server/config.d/cluster.xml',
        ]),
      );
    }
    for (const f of [keeper!, ...replicas].flatMap((s) => s.files)) expect(existsSync(f.source), f.source).toBe(true);
  });

  it('refuses to start a container whose compose secret is missing', () => {
    expect(() => interpolate('${CLICKHOUSE_PASSWORD:?set it}', {})).toThrow(/CLICKHOUSE_PASSWORD is not set/);
    expect(interpolate('${TWS_IMAGE_TAG:-local}', {})).toBe('local');
  });
});

describe('server-mode suite: role environments', () => {
  const endpoints: ServerEndpoints = {
    kafka: 'docker.example:40123',
    registryUrl: 'http://docker.example:40124/apis/ccompat/v7',
    registryUrlForClickHouse: networkRegistryUrl(base),
    clickhouseUrl: 'http://docker.example:40125',
    clickhouseUser: 'tws',
    clickhousePassword: 'pw',
    network: 'net',
    vars,
  };

  it('is a valid server-mode configuration: roles on host ports, ClickHouse fetching schemas on the network', () => {
    const config = loadConfig(roleEnv(endpoints));
    expect(config.clickhouse).toMatchObject({ mode: 'server', url: endpoints.clickhouseUrl, user: 'tws' });
    expect(config.kafka.brokers).toEqual([endpoints.kafka]);
    expect(config.registry).toMatchObject({
      url: endpoints.registryUrl,
      clickhouseUrl: 'http://registry:8080/apis/ccompat/v7',
    });
  });

  it('becomes cluster mode with TWS_CLICKHOUSE_CLUSTER', () => {
    expect(loadConfig(roleEnv(endpoints, { TWS_CLICKHOUSE_CLUSTER: 'tws' })).clickhouse).toMatchObject({
      mode: 'server',
      cluster: 'tws',
    });
  });

  it('says in one line why the suite skipped and how to run it', () => {
    const line = skipLine('Could not find a working container runtime strategy');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^server-mode suite skipped: no Docker engine found \(.+\); run `npm run test:server`/);
  });
});
