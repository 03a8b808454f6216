// The server-mode suite's containers and role environments, as pure functions of the Compose model
// (deploy/compose): the suite runs the images, environment, config files and health checks that
// deploy/ ships, so a first run elsewhere tests what a deployment runs. Checked without Docker by
// test/deploy/server-specs.test.ts; started by ./containers.ts.
import { isAbsolute, resolve } from 'node:path';
import { COMPOSE_DIR, type Doc } from '../../deploy/files.ts';

export type Wait = { http: { port: number; path: string } } | { log: string } | { healthcheck: string[] };

export interface ContainerSpec {
  /** The Compose service name, also the container's alias on the suite's network. */
  alias: string;
  image: string;
  env: Record<string, string>;
  /** Container ports published to random host ports, or to a fixed one (Kafka advertises it). */
  ports: Array<number | { container: number; host: number }>;
  /** Files copied into the container before it starts (Compose's bind mounts of deploy/ files). */
  files: Array<{ source: string; target: string }>;
  entrypoint?: string[];
  wait: Wait;
  ulimits?: Record<string, { soft: number; hard: number }>;
}

/** Values for the `${NAME:?…}` and `${NAME:-default}` references of the Compose files. */
export type ComposeVars = Record<string, string>;

export function interpolate(value: unknown, vars: ComposeVars): string {
  return String(value).replace(
    /\$\{([A-Z0-9_]+)(?:(:?[?-])([^}]*))?\}/g,
    (_m, name: string, op?: string, arg?: string) => {
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      if (op?.endsWith('-')) return arg ?? '';
      throw new Error(`compose variable ${name} is not set${arg ? ` (${arg})` : ''}`);
    },
  );
}

const envOf = (service: Doc, vars: ComposeVars): Record<string, string> =>
  Object.fromEntries(Object.entries((service.environment ?? {}) as Doc).map(([k, v]) => [k, interpolate(v, vars)]));

/** Compose's bind mounts of files under deploy/ (named volumes are left to the container). */
export function mountedFiles(service: Doc): ContainerSpec['files'] {
  return ((service.volumes ?? []) as string[])
    .map((v) => v.split(':'))
    .filter(([src]) => src!.startsWith('.') || isAbsolute(src!))
    .map(([src, target]) => ({ source: resolve(COMPOSE_DIR, src!), target: target! }));
}

function service(model: Doc, name: string): Doc {
  const s = (model.services as Record<string, Doc>)[name];
  if (!s) throw new Error(`compose has no service ${name}`);
  return s;
}

export interface SuiteOptions {
  /** Host the Docker engine publishes ports on, as the test process reaches it. */
  host: string;
  /** A free host port for Kafka's HOST listener, chosen before start so the broker can advertise it. */
  kafkaHostPort: number;
  vars: ComposeVars;
}

/** Kafka, the registry and one ClickHouse server, as docker-compose.yml runs them. */
export function suiteSpecs(
  model: Doc,
  o: SuiteOptions,
): { kafka: ContainerSpec; registry: ContainerSpec; clickhouse: ContainerSpec } {
  const kafka = service(model, 'kafka');
  const kafkaEnv = envOf(kafka, o.vars);
  const internal = /INTERNAL:\/\/[^,]+/.exec(kafkaEnv.KAFKA_ADVERTISED_LISTENERS ?? '')?.[0];
  if (!internal) throw new Error('compose kafka has no INTERNAL advertised listener');
  const clickhouse = service(model, 'clickhouse');
  return {
    kafka: {
      alias: 'kafka',
      image: kafka.image,
      // The broker advertises the port the test process connects to; containers keep INTERNAL.
      env: { ...kafkaEnv, KAFKA_ADVERTISED_LISTENERS: `${internal},HOST://${o.host}:${o.kafkaHostPort}` },
      ports: [{ container: 9092, host: o.kafkaHostPort }],
      files: [],
      wait: { log: 'Kafka Server started' },
    },
    registry: {
      alias: 'registry',
      image: service(model, 'registry').image,
      // In-memory storage: the suite's schemas live as long as its Kafka data.
      env: { QUARKUS_HTTP_ACCESS_LOG_ENABLED: 'false' },
      ports: [8080],
      files: [],
      wait: { http: { port: 8080, path: '/apis/ccompat/v7/subjects' } },
    },
    clickhouse: {
      alias: 'clickhouse',
      image: clickhouse.image,
      env: envOf(clickhouse, o.vars),
      ports: [8123],
      files: mountedFiles(clickhouse),
      wait: { http: { port: 8123, path: '/ping' } },
      ulimits: clickhouse.ulimits,
    },
  };
}

/** Keeper and the two replicas of docker-compose.cluster.yml (model: both files merged). */
export function clusterSpecs(model: Doc, vars: ComposeVars): ContainerSpec[] {
  return ['keeper', 'clickhouse-1', 'clickhouse-2'].map((name) => {
    const s = service(model, name);
    const healthcheck = (s.healthcheck?.test ?? []) as string[];
    return {
      alias: s.hostname ?? name,
      image: s.image,
      env: envOf(s, vars),
      ports: name === 'keeper' ? [] : [8123],
      files: mountedFiles(s),
      ...(s.entrypoint ? { entrypoint: s.entrypoint as string[] } : {}),
      wait: name === 'keeper' ? { healthcheck } : { http: { port: 8123, path: '/ping' } },
      ...(s.ulimits ? { ulimits: s.ulimits } : {}),
    };
  });
}

/** The registry's address inside the Compose network, as the roles there (and ClickHouse) use it. */
export function networkRegistryUrl(model: Doc): string {
  return String(service(model, 'api').environment.SCHEMA_REGISTRY_URL);
}

/** How the test process and the roles reach the suite's services. */
export interface ServerEndpoints {
  kafka: string;
  /** The registry as the test process and the roles reach it (a host-mapped port). */
  registryUrl: string;
  /** The registry as ClickHouse reaches it on the suite's network (it fetches schemas itself). */
  registryUrlForClickHouse: string;
  clickhouseUrl: string;
  clickhouseUser: string;
  clickhousePassword: string;
  /** The Docker network, for containers a test file starts itself (the cluster). */
  network: string;
  vars: ComposeVars;
}

/** Placeholder endpoints for collecting the tests of a skipped suite; nothing connects to them. */
export const SKIPPED: ServerEndpoints = {
  kafka: 'skipped:9092',
  registryUrl: 'http://skipped',
  registryUrlForClickHouse: 'http://skipped',
  clickhouseUrl: 'http://skipped',
  clickhouseUser: 'skipped',
  clickhousePassword: '',
  network: 'skipped',
  vars: {},
};

/** The environment of a `tws` role process against the suite's services: server mode. */
export function roleEnv(e: ServerEndpoints, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: e.kafka,
    SCHEMA_REGISTRY_URL: e.registryUrl,
    TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL: e.registryUrlForClickHouse,
    CLICKHOUSE_URL: e.clickhouseUrl,
    CLICKHOUSE_USER: e.clickhouseUser,
    CLICKHOUSE_PASSWORD: e.clickhousePassword,
    TWS_TOPIC_PARTITIONS: '3',
    TWS_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** The one line the suite prints when it cannot run here. */
export const skipLine = (reason: string) =>
  `server-mode suite skipped: no Docker engine found (${reason}); run \`npm run test:server\` on a machine with Docker`;
