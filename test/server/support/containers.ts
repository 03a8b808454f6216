// Starts the suite's containers from their specs (./specs.ts): a network of its own, Kafka, the
// registry and a ClickHouse server for the whole run (global setup), and a Keeper with two replicas
// for the cluster file. testcontainers removes whatever a crashed run leaves (its reaper).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GenericContainer, Network, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { COMPOSE_DIR, composeModel } from '../../deploy/files.ts';
import { clusterSpecs, networkRegistryUrl, suiteSpecs, type ContainerSpec, type ServerEndpoints } from './specs.ts';

const STARTUP_TIMEOUT_MS = 240_000;

export function startContainer(spec: ContainerSpec, network: string): Promise<StartedTestContainer> {
  let c = new GenericContainer(spec.image)
    .withNetworkMode(network)
    .withNetworkAliases(spec.alias)
    .withEnvironment(spec.env)
    .withExposedPorts(...spec.ports)
    .withCopyFilesToContainer(spec.files)
    .withStartupTimeout(STARTUP_TIMEOUT_MS);
  if (spec.entrypoint) c = c.withEntrypoint(spec.entrypoint);
  if (spec.ulimits) c = c.withUlimits(spec.ulimits);
  if ('http' in spec.wait)
    c = c.withWaitStrategy(Wait.forHttp(spec.wait.http.path, spec.wait.http.port).forStatusCode(200));
  else if ('log' in spec.wait) c = c.withWaitStrategy(Wait.forLogMessage(spec.wait.log));
  else
    c = c
      .withHealthCheck({
        test: spec.wait.healthcheck as ['CMD', ...string[]],
        interval: 1_000,
        timeout: 5_000,
        retries: 120,
        startPeriod: 1_000,
      })
      .withWaitStrategy(Wait.forHealthCheck());
  return c.start();
}

/** A port free on this machine now (Kafka must advertise its host port before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const secret = () => randomBytes(32).toString('hex');

export interface SuiteEnvironment {
  endpoints: ServerEndpoints;
  stop(): Promise<void>;
}

/** Kafka, the registry and ClickHouse as docker-compose.yml runs them, on a network of their own. */
export async function startSuiteEnvironment(): Promise<SuiteEnvironment> {
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const model = composeModel(join(COMPOSE_DIR, 'docker-compose.yml'));
  // Every secret .env.example lists, fresh for the run (64 hex digits suit keys and passwords alike).
  const vars = Object.fromEntries(
    [...readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8').matchAll(/^([A-Z_]+)=$/gm)].map((m) => [
      m[1]!,
      secret(),
    ]),
  );
  const specs = suiteSpecs(model, { host, kafkaHostPort: await freePort(), vars });
  const network = await new Network().start();
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((c) => c.stop()));
    await network.stop().catch(() => {});
  };
  try {
    const [kafka, registry, clickhouse] = await Promise.all(
      [specs.kafka, specs.registry, specs.clickhouse].map(async (s) => {
        const c = await startContainer(s, network.getName());
        started.push(c);
        return c;
      }),
    );
    const registryPath = new URL(networkRegistryUrl(model)).pathname;
    return {
      endpoints: {
        kafka: `${host}:${kafka!.getMappedPort(9092)}`,
        registryUrl: `http://${registry!.getHost()}:${registry!.getMappedPort(8080)}${registryPath}`,
        registryUrlForClickHouse: networkRegistryUrl(model),
        clickhouseUrl: `http://${clickhouse!.getHost()}:${clickhouse!.getMappedPort(8123)}`,
        clickhouseUser: specs.clickhouse.env.CLICKHOUSE_USER!,
        clickhousePassword: specs.clickhouse.env.CLICKHOUSE_PASSWORD!,
        network: network.getName(),
        vars,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface ClusterEnvironment {
  /** The replicas' HTTP URLs, clickhouse-1 first. */
  replicaUrls: string[];
  stop(): Promise<void>;
}

/** Keeper and the two replicas of docker-compose.cluster.yml, on the suite's network. */
export async function startClusterEnvironment(e: ServerEndpoints): Promise<ClusterEnvironment> {
  const model = composeModel(join(COMPOSE_DIR, 'docker-compose.yml'), join(COMPOSE_DIR, 'docker-compose.cluster.yml'));
  const [keeperSpec, ...replicaSpecs] = clusterSpecs(model, e.vars);
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((c) => c.stop()));
  };
  try {
    started.push(await startContainer(keeperSpec!, e.network));
    const replicas = await Promise.all(replicaSpecs.map((s) => startContainer(s, e.network)));
    started.push(...replicas);
    return { replicaUrls: replicas.map((r) => `http://${r.getHost()}:${r.getMappedPort(8123)}`), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
