// Static checks of the production deployment files (deploy/compose, deploy/k8s, deploy/clickhouse):
// they parse, name only settings that lib/config.ts knows, agree with the migrations' storage policy,
// give every Deployment resources (and the API its probes), and commit no secret. When a Docker
// engine answers, `docker compose config` must accept the compose file; when kubectl is installed,
// `kubectl kustomize` must build the manifests.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { embeddedStorageConfig } from '../../lib/clickhouse/store.ts';
import { MIGRATIONS_DIR } from '../../lib/clickhouse/migrate.ts';
import { envSchema } from '../../lib/config.ts';
import { SECRET_SETTINGS as SECRETS } from '../../lib/secrets.ts';
import {
  COMPOSE_DIR,
  DEPLOY,
  ROOT,
  child,
  loadYaml,
  parseXml,
  storagePolicies,
  walk,
  xmlPath as path,
  type Doc,
} from './files.ts';

const COMPOSE_FILE = join(COMPOSE_DIR, 'docker-compose.yml');
const K8S = join(DEPLOY, 'k8s');
const SETTINGS = new Set(Object.keys(envSchema.shape));

/** Settings that hold secrets (lib/secrets.ts): never given a value in a committed file. */
const SECRET_SETTINGS: readonly string[] = SECRETS;

// ---- YAML files -----------------------------------------------------------------------------------

describe('deployment YAML', () => {
  const files = [...walk(join(DEPLOY, 'compose'), (f) => /\.ya?ml$/.test(f)), ...walk(K8S, (f) => /\.ya?ml$/.test(f))];

  it('finds the compose file and the Kubernetes manifests', () => {
    expect(files).toContain(COMPOSE_FILE);
    expect(files.filter((f) => f.startsWith(K8S)).length).toBeGreaterThanOrEqual(8);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s parses', (_name, file) => {
    const docs = loadYaml(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d).toBeTypeOf('object');
  });
});

// ---- docker compose -------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  const [compose] = loadYaml(COMPOSE_FILE) as [Doc];
  const services = compose.services as Record<string, Doc>;
  const isProject = (s: Doc) => typeof s.image === 'string' && s.image.startsWith('tws-analytics');
  const project = Object.entries(services).filter(([, s]) => isProject(s));

  it('has the infrastructure, the migration job and every role', () => {
    for (const name of [
      'kafka',
      'registry',
      'clickhouse',
      'migrate',
      'scheduler',
      'worker',
      'consumer-metrics',
      'consumer-lifecycle',
      'consumer-ops',
      'api',
      'sim',
    ])
      expect(services, name).toHaveProperty(name);
    expect(services.kafka!.image).toBe('apache/kafka:4.1.1');
    expect(services.registry!.image).toBe('apicurio/apicurio-registry:3.3.3');
    expect(services.clickhouse!.image).toMatch(/^clickhouse\/clickhouse-server:/);
  });

  it('builds the project services from deploy/Dockerfile and runs each role as its command', () => {
    expect(project.map(([n]) => n)).toEqual(
      expect.arrayContaining(['migrate', 'scheduler', 'worker', 'consumer-metrics', 'consumer-ops', 'api', 'sim']),
    );
    for (const [name, s] of project) {
      expect(s.build, name).toMatchObject({ context: '../..', dockerfile: 'deploy/Dockerfile' });
    }
    expect(services.migrate!.command).toEqual(['migrate']);
    expect(services.scheduler!.command).toEqual(['scheduler']);
    expect(services.worker!.command).toEqual(['worker']);
    expect(services['consumer-metrics']!.command).toEqual(['consume', '--only', 'metrics']);
    expect(services['consumer-lifecycle']!.command).toEqual(['consume', '--only', 'lifecycle']);
    expect(services['consumer-ops']!.command).toEqual(['consume', '--only', 'ops']);
    expect(services.api!.command).toEqual(['api']);
    expect(services.sim!.command).toEqual(['sim']);
    expect(services.alerter!.command).toEqual(['alerter']);
  });

  it('runs one scheduler and two workers', () => {
    expect(services.scheduler!.deploy?.replicas ?? 1).toBe(1);
    expect(services.worker!.deploy?.replicas ?? services.worker!.scale).toBe(2);
  });

  it('gives project services only settings that lib/config.ts knows', () => {
    for (const [name, s] of project) {
      const env = s.environment as Record<string, unknown> | undefined;
      for (const key of Object.keys(env ?? {})) expect(SETTINGS.has(key), `${name}: ${key}`).toBe(true);
    }
  });

  it('runs the roles in server mode against the compose services', () => {
    for (const name of ['migrate', 'scheduler', 'consumer-metrics', 'consumer-lifecycle', 'consumer-ops', 'api']) {
      const env = services[name]!.environment as Record<string, string>;
      expect(env.CLICKHOUSE_URL, name).toBe('http://clickhouse:8123');
      expect(env.KAFKA_BROKERS, name).toBe('kafka:19092');
      expect(env.SCHEMA_REGISTRY_URL, name).toBe('http://registry:8080/apis/ccompat/v7');
    }
    const worker = services.worker!.environment as Record<string, string>;
    // One sim server serves both simulated marketplaces; the deprecated single-source settings are gone.
    const sim = `http://sim:${(services.sim!.environment as Doc).TWS_SIM_PORT}`;
    expect(worker.TWS_SOURCES__SIMULATED__BASE_URL).toBe(sim);
    expect(worker.TWS_SOURCES__SIMULATED_GAMETIME__BASE_URL).toBe(sim);
    expect(worker.TWS_SOURCE).toBeUndefined();
    expect(worker.TWS_SOURCE_BASE_URL).toBeUndefined();
    expect((services.api!.environment as Doc).TWS_API_HOST).toBe('0.0.0.0');
  });

  it('starts roles only after their dependencies are healthy and the migrations ran', () => {
    for (const name of ['kafka', 'registry', 'clickhouse', 'api', 'sim'])
      expect(services[name]!.healthcheck?.test, `${name} healthcheck`).toBeDefined();
    expect(services.migrate!.depends_on).toMatchObject({ clickhouse: { condition: 'service_healthy' } });
    for (const name of ['scheduler', 'consumer-metrics', 'consumer-ops', 'api'])
      expect(services[name]!.depends_on, name).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        kafka: { condition: 'service_healthy' },
        registry: { condition: 'service_healthy' },
      });
    expect(services.worker!.depends_on).toMatchObject({ sim: { condition: 'service_healthy' } });
  });

  it('keeps data in named volumes and restarts long-running services', () => {
    const volumes = Object.keys(compose.volumes ?? {});
    for (const v of ['kafka-data', 'clickhouse-data', 'clickhouse-archive']) expect(volumes).toContain(v);
    for (const name of ['kafka', 'registry', 'clickhouse', 'scheduler', 'worker', 'consumer-metrics', 'api', 'sim'])
      expect(services[name]!.restart, name).toBe('unless-stopped');
    expect(services.migrate!.restart).toBe('no');
  });

  it('mounts the storage policy into ClickHouse', () => {
    const mounts = (services.clickhouse!.volumes as string[]).join('\n');
    expect(mounts).toContain('../clickhouse/config.d/storage.xml:/etc/clickhouse-server/config.d/storage.xml');
    expect(mounts).toMatch(/clickhouse-archive:\/var\/lib\/clickhouse-archive/);
  });

  it('commits no secret: secret settings come from the environment and must be set', () => {
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries((s.environment ?? {}) as Record<string, unknown>)) {
        if (SECRET_SETTINGS.includes(key) || /PASSWORD|SECRET|TOKEN/.test(key))
          expect(String(value), `${name}: ${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
      }
    }
    expect(text).toContain('${TWS_API_KEYS:?set it}');
    const example = readFileSync(join(DEPLOY, 'compose', '.env.example'), 'utf8');
    for (const line of example.split('\n').filter((l) => /^[A-Z_]+=/.test(l)))
      expect(line, '.env.example must not hold values').toMatch(/^[A-Z_]+=$/);
  });

  const dockerOk = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  (dockerOk ? it : it.skip)(
    dockerOk ? 'is accepted by docker compose config' : 'no Docker engine: skipping docker compose config',
    () => {
      const secrets = {
        TWS_API_KEYS: 'k',
        CLICKHOUSE_PASSWORD: 'p',
        CLICKHOUSE_ANALYST_PASSWORD: 'p',
        REGISTRY_DB_PASSWORD: 'p',
      };
      const r = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], {
        env: { ...process.env, ...secrets },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
    },
  );
});

// ---- ClickHouse server config ---------------------------------------------------------------------

describe('deploy/clickhouse', () => {
  const storageXml = readFileSync(join(DEPLOY, 'clickhouse', 'config.d', 'storage.xml'), 'utf8');
  const migrations = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => readFileSync(join(MIGRATIONS_DIR, f), 'utf8'))
    .join('\n');

  it('defines the storage policy tws_tiered with the volumes hot and archive', () => {
    const policy = storagePolicies(storageXml).get('tws_tiered');
    expect(policy, 'policy tws_tiered').toBeDefined();
    expect([...policy!.keys()]).toEqual(['hot', 'archive']);
    for (const disks of policy!.values()) expect(disks.length).toBeGreaterThan(0);
  });

  it('provides every policy and volume the migrations name, as the embedded engine does', () => {
    const server = storagePolicies(storageXml);
    const embedded = storagePolicies(embeddedStorageConfig('/tmp/x'));
    const policies = [...migrations.matchAll(/storage_policy\s*=\s*'([^']+)'/g)].map((m) => m[1]!);
    const volumes = [...migrations.matchAll(/TO VOLUME '([^']+)'/g)].map((m) => m[1]!);
    expect(policies.length).toBeGreaterThan(0);
    expect(volumes.length).toBeGreaterThan(0);
    for (const p of new Set(policies)) {
      expect(server.has(p), `server policy ${p}`).toBe(true);
      expect([...server.get(p)!.keys()]).toEqual([...embedded.get(p)!.keys()]);
      for (const v of new Set(volumes)) expect(server.get(p)!.has(v), `${p} volume ${v}`).toBe(true);
    }
  });

  it('gives every disk of the policy a definition or the built-in default disk', () => {
    const root = parseXml(storageXml);
    const disks = new Set(
      (path(root, 'clickhouse', 'storage_configuration', 'disks')?.children ?? []).map((d) => d.name),
    );
    for (const volume of storagePolicies(storageXml).get('tws_tiered')!.values())
      for (const disk of volume) expect(disk === 'default' || disks.has(disk), disk).toBe(true);
  });

  it('has a read-only analyst profile with limits and no password in the file', () => {
    const files = readdirSync(join(DEPLOY, 'clickhouse', 'users.d')).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(0);
    const root = parseXml(readFileSync(join(DEPLOY, 'clickhouse', 'users.d', files[0]!), 'utf8'));
    const profile = path(root, 'clickhouse', 'profiles', 'analyst');
    expect(child(profile, 'readonly')?.text).toBe('1');
    expect(Number(child(profile, 'max_execution_time')?.text)).toBeGreaterThan(0);
    expect(Number(child(profile, 'max_result_rows')?.text)).toBeGreaterThan(0);
    const user = path(root, 'clickhouse', 'users', 'analyst');
    expect(child(user, 'profile')?.text).toBe('analyst');
    for (const f of files) {
      const users = path(
        parseXml(readFileSync(join(DEPLOY, 'clickhouse', 'users.d', f), 'utf8')),
        'clickhouse',
        'users',
      );
      for (const u of users?.children ?? [])
        for (const p of u.children.filter((c) => c.name.startsWith('password')))
          expect(p.text, `${f}: ${u.name} has a literal password`).toBe('');
    }
  });
});

// ---- Kubernetes -----------------------------------------------------------------------------------

describe('deploy/k8s', () => {
  const kustomization = loadYaml(join(K8S, 'kustomization.yaml'))[0]!;
  const resources = kustomization.resources as string[];
  const applied = resources.flatMap((r) => loadYaml(join(K8S, r)));
  const all = walk(K8S, (f) => /\.ya?ml$/.test(f) && !f.endsWith('kustomization.yaml')).flatMap((f) => loadYaml(f));
  const ofKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);
  const deployments = ofKind(applied, 'Deployment');
  const byName = (name: string) => deployments.find((d) => d.metadata.name === name)!;
  const containers = (d: Doc): Doc[] => d.spec.template.spec.containers;

  it('lists existing files and has the expected kinds', () => {
    for (const r of resources) expect(statSync(join(K8S, r)).isFile(), r).toBe(true);
    const kinds = new Set(applied.map((d) => d.kind));
    for (const k of [
      'Namespace',
      'ConfigMap',
      'Job',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
    ])
      expect(kinds.has(k), k).toBe(true);
    expect(ofKind(all, 'Secret').map((s) => s.metadata.name)).toContain('tws-secrets');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'tws-alerter',
      'tws-api',
      'tws-consumer-lifecycle',
      'tws-consumer-metrics',
      'tws-consumer-ops',
      'tws-scheduler',
      'tws-worker',
    ]);
  });

  it('runs each role with its command', () => {
    expect(containers(byName('tws-scheduler'))[0]!.args).toEqual(['scheduler']);
    expect(containers(byName('tws-alerter'))[0]!.args).toEqual(['alerter']);
    expect(containers(byName('tws-worker'))[0]!.args).toEqual(['worker']);
    expect(containers(byName('tws-consumer-metrics'))[0]!.args).toEqual(['consume', '--only', 'metrics']);
    expect(containers(byName('tws-consumer-lifecycle'))[0]!.args).toEqual(['consume', '--only', 'lifecycle']);
    expect(containers(byName('tws-consumer-ops'))[0]!.args).toEqual(['consume', '--only', 'ops']);
    expect(containers(byName('tws-api'))[0]!.args).toEqual(['api']);
    expect(ofKind(applied, 'Job')[0]!.spec.template.spec.containers[0].args).toEqual(['migrate']);
  });

  it('runs one scheduler (Recreate), two workers and two API pods', () => {
    const scheduler = byName('tws-scheduler');
    expect(scheduler.spec.replicas).toBe(1);
    expect(scheduler.spec.strategy.type).toBe('Recreate');
    expect(byName('tws-worker').spec.replicas).toBe(2);
    expect(byName('tws-api').spec.replicas).toBe(2);
    const partitions = Number(ofKind(applied, 'ConfigMap')[0]!.data.TWS_TOPIC_PARTITIONS);
    for (const name of ['tws-worker', 'tws-consumer-metrics', 'tws-consumer-ops'])
      expect(byName(name).spec.replicas, name).toBeLessThanOrEqual(partitions);
  });

  it('gives every container (Deployments and Jobs) resource requests and limits', () => {
    for (const d of [...deployments, ...ofKind(applied, 'Job'), ...ofKind(all, 'Deployment')])
      for (const c of containers(d)) {
        for (const k of ['requests', 'limits'] as const)
          for (const r of ['cpu', 'memory'])
            expect(c.resources?.[k]?.[r], `${d.metadata.name} ${k}.${r}`).toBeDefined();
      }
  });

  it('probes the API: readiness /readyz, liveness /healthz, on the port it listens on', () => {
    const [api] = containers(byName('tws-api'));
    const port = api!.ports.find((p: Doc) => p.name === api!.readinessProbe.httpGet.port) ?? api!.ports[0];
    expect(api!.readinessProbe.httpGet.path).toBe('/readyz');
    expect(api!.livenessProbe.httpGet.path).toBe('/healthz');
    expect(String(port.containerPort)).toBe(ofKind(applied, 'ConfigMap')[0]!.data.TWS_API_PORT);
    expect(ofKind(applied, 'ConfigMap')[0]!.data.TWS_API_HOST).toBe('0.0.0.0');
  });

  it('runs as non-root', () => {
    for (const d of [...deployments, ...ofKind(applied, 'Job')]) {
      expect(d.spec.template.spec.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
      for (const c of containers(d)) expect(c.securityContext?.allowPrivilegeEscalation, d.metadata.name).toBe(false);
    }
  });

  it('matches Services, PDBs and the HPA to Deployments', () => {
    const podLabels = deployments.map((d) => d.spec.template.metadata.labels as Record<string, string>);
    const selects = (sel: Record<string, string>) =>
      podLabels.some((labels) => Object.entries(sel).every(([k, v]) => labels[k] === v));
    for (const s of ofKind(applied, 'Service')) expect(selects(s.spec.selector), s.metadata.name).toBe(true);
    for (const p of ofKind(applied, 'PodDisruptionBudget'))
      expect(selects(p.spec.selector.matchLabels), p.metadata.name).toBe(true);
    for (const d of deployments)
      expect(d.spec.selector.matchLabels, d.metadata.name).toEqual(
        expect.objectContaining(d.spec.template.metadata.labels),
      );
    const [hpa] = ofKind(applied, 'HorizontalPodAutoscaler');
    expect(hpa!.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'tws-api' });
    expect(hpa!.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('names only settings that lib/config.ts knows, and keeps secrets out of the ConfigMap', () => {
    const configMap = ofKind(applied, 'ConfigMap')[0]!;
    for (const key of Object.keys(configMap.data)) expect(SETTINGS.has(key), `ConfigMap ${key}`).toBe(true);
    for (const key of SECRET_SETTINGS) expect(configMap.data, key).not.toHaveProperty(key);
    for (const s of ofKind(all, 'Secret'))
      for (const key of Object.keys({ ...s.stringData, ...s.data }))
        expect(SETTINGS.has(key), `Secret ${key}`).toBe(true);
    for (const d of [...ofKind(all, 'Deployment'), ...ofKind(applied, 'Job')])
      for (const c of containers(d)) {
        for (const e of c.env ?? []) expect(SETTINGS.has(e.name), `${d.metadata.name}: ${e.name}`).toBe(true);
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) expect(from.configMapRef.name).toBe(configMap.metadata.name);
          if (from.secretRef) expect(from.secretRef.name).toBe('tws-secrets');
        }
      }
  });

  it('commits no secret values, and keeps the Secret template out of the kustomization', () => {
    expect(ofKind(applied, 'Secret')).toHaveLength(0);
    for (const s of ofKind(all, 'Secret')) {
      for (const [key, value] of Object.entries({ ...s.stringData, ...s.data }))
        expect(value, `Secret ${s.metadata.name}: ${key}`).toBe('');
    }
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  (kubectl ? it : it.skip)(kubectl ? 'builds with kubectl kustomize' : 'no kubectl: skipping kustomize build', () => {
    const out = execFileSync('kubectl', ['kustomize', K8S], { encoding: 'utf8', timeout: 60_000 });
    const docs = parseAllDocuments(out).map((d) => d.toJS() as Doc);
    for (const d of docs.filter((x) => x.kind !== 'Namespace'))
      expect(d.metadata.namespace, d.metadata.name).toBe('tws');
    expect(docs.filter((d) => d.kind === 'Deployment')).toHaveLength(7);
  });
});
