// The cluster variant (deploy/compose/docker-compose.cluster.yml over docker-compose.yml) and its
// ClickHouse config (deploy/clickhouse/cluster/): the merged Compose model starts two replicas, a
// Keeper and three brokers instead of the single-node services, every role's environment is a valid
// lib/config.ts configuration in cluster mode, and the addresses in the XML, the Compose services
// and the renderer's Keeper path agree. `docker compose config` checks the merge itself where a
// Docker engine answers.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEEPER_PATH } from '../../lib/clickhouse/cluster.ts';
import { envSchema, loadConfig } from '../../lib/config.ts';
import { interpolate } from '../server/support/specs.ts';
import {
  COMPOSE_DIR,
  DEPLOY,
  activeServices,
  child,
  children,
  composeModel,
  loadYaml,
  parseXml,
  storagePolicies,
  walk,
  xmlPath,
  type Doc,
} from './files.ts';

const BASE = join(COMPOSE_DIR, 'docker-compose.yml');
const CLUSTER = join(COMPOSE_DIR, 'docker-compose.cluster.yml');
const model = composeModel(BASE, CLUSTER);
const base = composeModel(BASE);
const services = activeServices(model);
/** Every variable of .env.example, filled as its comments ask (64 hex digits suit keys and passwords alike). */
const VARS = Object.fromEntries(
  [...readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8').matchAll(/^([A-Z_]+)=$/gm)].map((m) => [
    m[1]!,
    'ab'.repeat(32),
  ]),
);
/** The project's services: built from deploy/Dockerfile, each a `tws` role. */
const ROLES = Object.keys(base.services).filter(
  (n) =>
    String(base.services[n].image).startsWith('tws-analytics') &&
    Array.isArray(base.services[n].command) &&
    !['sim', 'seed-events'].includes(n),
);
const WRITERS = ROLES.filter((n) => n !== 'api' && n !== 'worker');
const BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'];
const REPLICAS = ['clickhouse-1', 'clickhouse-2'];

const clusterXml = parseXml(readFileSync(join(DEPLOY, 'clickhouse', 'cluster', 'cluster.xml'), 'utf8'));
const keeperXml = parseXml(readFileSync(join(DEPLOY, 'clickhouse', 'cluster', 'keeper.xml'), 'utf8'));
const envOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries((services[name]!.environment ?? {}) as Doc).map(([k, v]) => [k, interpolate(v, VARS)]),
  );
const mounts = (name: string) => (services[name]!.volumes ?? []) as string[];

describe('docker-compose.cluster.yml over docker-compose.yml', () => {
  it('starts two ClickHouse replicas, a Keeper and three brokers instead of the single-node services', () => {
    for (const name of ['keeper', ...REPLICAS, ...BROKERS, 'registry', 'registry-db', ...ROLES, 'sim'])
      expect(services, name).toHaveProperty(name);
    expect(services).not.toHaveProperty('kafka');
    expect(services).not.toHaveProperty('clickhouse');
    expect(ROLES).toEqual(
      expect.arrayContaining(['migrate', 'scheduler', 'worker', 'consumer-metrics', 'consumer-ops', 'api']),
    );
  });

  it('uses the images of the single-node stack', () => {
    for (const name of [...REPLICAS, 'keeper'])
      expect(services[name]!.image, name).toBe(base.services.clickhouse.image);
    for (const name of BROKERS) expect(services[name]!.image, name).toBe(base.services.kafka.image);
  });

  it('lets every service wait only for services that run', () => {
    for (const [name, s] of Object.entries(services))
      for (const dep of Object.keys((s.depends_on ?? {}) as Doc))
        expect(services, `${name} -> ${dep}`).toHaveProperty(dep);
    expect(services.migrate!.depends_on).toEqual({
      'clickhouse-1': { condition: 'service_healthy' },
      'clickhouse-2': { condition: 'service_healthy' },
    });
    for (const name of ['scheduler', 'consumer-metrics', 'consumer-ops', 'api'])
      expect(services[name]!.depends_on, name).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'kafka-1': { condition: 'service_healthy' },
        registry: { condition: 'service_healthy' },
      });
    for (const name of [...REPLICAS])
      expect(services[name]!.depends_on).toMatchObject({ keeper: { condition: 'service_healthy' } });
  });

  it("gives every role a valid cluster-mode configuration of lib/config.ts's settings", () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of ROLES) {
      const env = envOf(name);
      for (const key of Object.keys(env)) expect(known.has(key), `${name}: ${key}`).toBe(true);
      const config = loadConfig(env);
      expect(config.kafka.brokers, name).toEqual(BROKERS.map((b) => `${b}:19092`));
      if (name === 'worker') continue;
      expect(config.clickhouse, name).toMatchObject({
        mode: 'server',
        cluster: child(xmlPath(clusterXml, 'clickhouse', 'remote_servers'), 'tws')?.name,
      });
      const host = new URL(env.CLICKHOUSE_URL!).hostname;
      expect(REPLICAS, `${name}: ${env.CLICKHOUSE_URL}`).toContain(host);
    }
  });

  it('keeps the writers on one replica (the ledger is read back where it was written) and the API on the other', () => {
    const urls = new Set(WRITERS.map((n) => envOf(n).CLICKHOUSE_URL));
    expect(urls.size).toBe(1);
    expect(urls.has(envOf('api').CLICKHOUSE_URL)).toBe(false);
  });

  it('mounts the storage policy and the cluster config on every replica, and the Keeper config where Keeper reads it', () => {
    for (const name of REPLICAS) {
      const m = mounts(name).join('\n');
      expect(m).toContain('../clickhouse/config.d/storage.xml:/etc/clickhouse-server/config.d/storage.xml');
      expect(m).toContain('../clickhouse/cluster/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml');
      expect(m).toMatch(/-archive:\/var\/lib\/clickhouse-archive/);
    }
    const configArg = (services.keeper!.entrypoint as string[]).find((a) => a.startsWith('--config-file='))!;
    expect(mounts('keeper').join('\n')).toContain(`../clickhouse/cluster/keeper.xml:${configArg.split('=')[1]}`);
    for (const m of [...REPLICAS, 'keeper'].flatMap(mounts).filter((v) => v.startsWith('.')))
      expect(existsSync(join(COMPOSE_DIR, m.split(':')[0]!)), m).toBe(true);
  });

  it('runs three KRaft brokers that each vote, replicate topics three times and advertise their own name', () => {
    const ids = new Set<string>();
    for (const name of BROKERS) {
      const env = envOf(name);
      ids.add(env.KAFKA_NODE_ID!);
      expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`INTERNAL://${services[name]!.hostname}:19092`);
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toContain(`${env.KAFKA_NODE_ID}@${services[name]!.hostname}:29093`);
      expect(env).toMatchObject({ KAFKA_DEFAULT_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
      expect(env.CLUSTER_ID).toBe(envOf('kafka-1').CLUSTER_ID);
    }
    expect(ids.size).toBe(3);
    expect(envOf('kafka-1').KAFKA_CONTROLLER_QUORUM_VOTERS!.split(',')).toHaveLength(3);
  });

  it('commits no secret, and lists the cluster secret in .env.example', () => {
    for (const name of REPLICAS) {
      const env = services[name]!.environment as Record<string, string>;
      for (const key of ['CLICKHOUSE_PASSWORD', 'CLICKHOUSE_ANALYST_PASSWORD', 'CLICKHOUSE_CLUSTER_SECRET'])
        expect(env[key], `${name}: ${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
    }
    expect(readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8')).toMatch(/^CLICKHOUSE_CLUSTER_SECRET=$/m);
  });

  const dockerOk = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  (dockerOk ? it : it.skip)(
    dockerOk ? 'is accepted by docker compose config' : 'no Docker engine: skipping docker compose config',
    () => {
      const r = spawnSync('docker', ['compose', '-f', BASE, '-f', CLUSTER, 'config', '--quiet'], {
        env: { ...process.env, ...VARS },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
    },
  );
});

describe('deploy/clickhouse/cluster', () => {
  const cluster = xmlPath(clusterXml, 'clickhouse', 'remote_servers', 'tws');

  it('holds well-formed XML: no double hyphen inside a comment (ClickHouse refuses the file)', () => {
    for (const file of walk(join(DEPLOY, 'clickhouse'), (f) => f.endsWith('.xml')))
      for (const [comment] of readFileSync(file, 'utf8').matchAll(/<!--([\s\S]*?)-->/g))
        expect(comment.slice(4, -3), file).not.toContain('--');
  });

  it('defines one shard whose replicas are the Compose replicas, with internal replication and a secret', () => {
    const shards = children(cluster, 'shard');
    expect(shards).toHaveLength(1);
    expect(child(shards[0], 'internal_replication')?.text).toBe('true');
    const replicas = children(shards[0], 'replica').map((r) => `${child(r, 'host')?.text}:${child(r, 'port')?.text}`);
    expect(replicas).toEqual(REPLICAS.map((n) => `${services[n]!.hostname}:9000`));
    expect(child(cluster, 'secret')?.attrs.from_env).toBe('CLICKHOUSE_CLUSTER_SECRET');
  });

  it("takes each replica's name from its environment, and has every macro the Keeper path uses", () => {
    const macros = xmlPath(clusterXml, 'clickhouse', 'macros');
    const replicaVar = child(macros, 'replica')?.attrs.from_env;
    expect(child(xmlPath(clusterXml, 'clickhouse'), 'interserver_http_host')?.attrs.from_env).toBe(replicaVar);
    for (const name of REPLICAS) expect(envOf(name)[replicaVar!], name).toBe(services[name]!.hostname);
    const builtIn = new Set(['database', 'table', 'uuid']);
    for (const [, macro] of KEEPER_PATH.matchAll(/\{(\w+)\}/g))
      expect(builtIn.has(macro!) || child(macros, macro!) !== undefined, `macro {${macro}}`).toBe(true);
  });

  it('points the replicas at the Keeper service, on the port and name Keeper itself uses', () => {
    const node = xmlPath(clusterXml, 'clickhouse', 'zookeeper', 'node');
    const keeper = xmlPath(keeperXml, 'clickhouse', 'keeper_server');
    expect(child(node, 'host')?.text).toBe(services.keeper!.hostname);
    expect(child(node, 'port')?.text).toBe(child(keeper, 'tcp_port')?.text);
    const raft = children(xmlPath(keeper, 'raft_configuration'), 'server');
    expect(raft.map((s) => child(s, 'hostname')?.text)).toEqual([services.keeper!.hostname]);
    expect(child(raft[0], 'id')?.text).toBe(child(keeper, 'server_id')?.text);
  });
});

describe('deploy/k8s/optional/clickhouse-cluster.yaml (Altinity operator)', () => {
  const docs = loadYaml(join(DEPLOY, 'k8s', 'optional', 'clickhouse-cluster.yaml'));
  const chi = docs.find((d) => d.kind === 'ClickHouseInstallation')!;
  const storageXml = readFileSync(join(DEPLOY, 'clickhouse', 'config.d', 'storage.xml'), 'utf8');

  it('carries the storage policy of deploy/clickhouse/config.d/storage.xml', () => {
    const embedded = storagePolicies(chi.spec.configuration.files['config.d/storage.xml']);
    expect(embedded).toEqual(storagePolicies(storageXml));
  });

  it("has the compose cluster's name, one shard and two replicas, Keeper, and the compose image", () => {
    const [cluster] = chi.spec.configuration.clusters;
    const name = child(xmlPath(clusterXml, 'clickhouse', 'remote_servers'), 'tws')!.name;
    expect(cluster).toMatchObject({ name, layout: { shardsCount: 1, replicasCount: 2 } });
    expect(chi.spec.configuration.zookeeper.nodes.length).toBeGreaterThan(0);
    expect(docs.some((d) => d.kind === 'ClickHouseKeeperInstallation')).toBe(true);
    const [container] = chi.spec.templates.podTemplates[0].spec.containers;
    expect(container.image).toBe(base.services.clickhouse.image);
    expect(container.volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: '/var/lib/clickhouse-archive' }),
    );
  });
});
