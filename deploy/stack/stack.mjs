#!/usr/bin/env node
// The local stack: Apache Kafka (KRaft, single node) and Apicurio Registry, run with plain `java`.
// Jars come from Maven Central through `mvn` and are cached outside the repo; data and logs live in
// a git-ignored folder. Plain ESM JavaScript so that it runs before anything is compiled, and so that
// vitest's global setup and the `tws stack` CLI can share it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTlsMaterial, tlsFiles } from './tls.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

export const KAFKA_VERSION = '4.1.1';
export const APICURIO_VERSION = '3.3.3';

export class StackError extends Error {
  constructor(message, logTail) {
    super(logTail ? `${message}\n--- last log lines ---\n${logTail}` : message);
    this.name = 'StackError';
  }
}

/** The environment variables the stack reads (the CLI accepts them in --set and config files too). */
export const STACK_SETTINGS = [
  'TWS_STACK_DIR',
  'TWS_STACK_CACHE',
  'TWS_JAVA',
  'TWS_KAFKA_PORT',
  'TWS_KAFKA_CONTROLLER_PORT',
  'TWS_KAFKA_SASL_SSL_PORT',
  'TWS_KAFKA_SSL_PORT',
  'TWS_REGISTRY_PORT',
  'TWS_REGISTRY_MANAGEMENT_PORT',
  'TWS_KAFKA_HEAP',
  'TWS_REGISTRY_HEAP',
  'TWS_STACK_TIMEOUT_MS',
];

/** Resolves the stack's settings from the environment; every value can be overridden. */
export function stackSettings(env = process.env) {
  const port = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new StackError(`${name} must be a TCP port (1-65535), got "${raw}"`);
    return n;
  };
  const optionalPort = (name) => (env[name] ? port(name, undefined) : undefined);
  const cacheDir = env.TWS_STACK_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tws-stack');
  const stateDir = resolve(env.TWS_STACK_DIR ?? join(repoRoot, '.tws', 'stack'));
  const kafkaPort = port('TWS_KAFKA_PORT', 9092);
  return {
    cacheDir,
    stateDir,
    kafkaPort,
    // Beside the broker's port by default, so that moving one moves both (as for the registry).
    controllerPort: port('TWS_KAFKA_CONTROLLER_PORT', kafkaPort + 1),
    // Optional secure listeners (unset: none): SASL_SSL (PLAIN and SCRAM) and SSL with client certificates.
    saslSslPort: optionalPort('TWS_KAFKA_SASL_SSL_PORT'),
    sslPort: optionalPort('TWS_KAFKA_SSL_PORT'),
    registryPort: port('TWS_REGISTRY_PORT', 8081),
    registryManagementPort: port('TWS_REGISTRY_MANAGEMENT_PORT', port('TWS_REGISTRY_PORT', 8081) + 1),
    kafkaHeap: env.TWS_KAFKA_HEAP ?? '512m',
    registryHeap: env.TWS_REGISTRY_HEAP ?? '384m',
    startTimeoutMs: Number(env.TWS_STACK_TIMEOUT_MS ?? 120_000),
  };
}

// ---------------------------------------------------------------------------------------------
// Prerequisites

function javaMajor(javaBin) {
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  if (!m) return undefined;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

function candidateJavas(env) {
  const list = [];
  if (env.TWS_JAVA) list.push(env.TWS_JAVA);
  if (env.JAVA_HOME) list.push(join(env.JAVA_HOME, 'bin', 'java'));
  list.push('java');
  try {
    for (const d of readdirSync('/usr/lib/jvm')) list.push(join('/usr/lib/jvm', d, 'bin', 'java'));
  } catch {
    /* no system JVM folder */
  }
  return list;
}

/** Finds a java binary of at least `min`; Apicurio 3.3 needs 21, Kafka 4.1 needs 17. */
export function findJava(min, env = process.env) {
  let best;
  for (const bin of candidateJavas(env)) {
    const major = javaMajor(bin);
    if (major !== undefined && major >= min) return { bin, major };
    if (major !== undefined) best = best ?? { bin, major };
  }
  const seen = best
    ? ` (found only Java ${best.major} at ${best.bin})`
    : ' (no java found on PATH, JAVA_HOME or /usr/lib/jvm)';
  throw new StackError(`prerequisite missing: Java ${min}+ is required${seen}. Install a JDK ${min}+ or set TWS_JAVA.`);
}

function requireMaven() {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new StackError(
      'prerequisite missing: Maven (`mvn`) is required to fetch the Kafka and Apicurio jars from Maven Central.',
    );
}

// ---------------------------------------------------------------------------------------------
// Artifacts (cached outside the repo)

function runMaven(args, what) {
  requireMaven();
  const r = spawnSync('mvn', ['-q', '-B', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    const out = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new StackError(`could not fetch ${what} from Maven Central with mvn (exit ${r.status})`, out);
  }
}

export function ensureKafkaJars(s, log = () => {}) {
  const dir = join(s.cacheDir, `kafka-${KAFKA_VERSION}`, 'lib');
  if (existsSync(join(dir, '.complete'))) return dir;
  log(`resolving Apache Kafka ${KAFKA_VERSION} jars with mvn (first run only)…`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  runMaven(
    [
      '-f',
      join(here, 'kafka.pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}`,
    ],
    `Apache Kafka ${KAFKA_VERSION}`,
  );
  writeFileSync(join(tmp, '.complete'), new Date().toISOString());
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return dir;
}

export function ensureApicurio(s, log = () => {}) {
  const appDir = join(s.cacheDir, `apicurio-${APICURIO_VERSION}`, 'app');
  const jar = join(appDir, 'quarkus-run.jar');
  if (existsSync(join(appDir, '.complete'))) return jar;
  log(`fetching Apicurio Registry ${APICURIO_VERSION} with mvn (first run only)…`);
  const dl = join(s.cacheDir, `apicurio-${APICURIO_VERSION}`, 'download');
  runMaven(
    [
      '-f',
      join(here, 'kafka.pom.xml'),
      'dependency:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
      `-DoutputDirectory=${dl}`,
    ],
    `Apicurio Registry ${APICURIO_VERSION}`,
  );
  const tgz = join(dl, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`);
  const tmp = `${appDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t = spawnSync('tar', ['xzf', tgz, '-C', tmp], { encoding: 'utf8' });
  if (t.status !== 0) throw new StackError(`could not unpack ${tgz}: ${t.stderr}`);
  // Older releases nest the app in quarkus-app/; 3.3.x unpacks flat.
  const nested = join(tmp, 'quarkus-app');
  const root = existsSync(join(nested, 'quarkus-run.jar')) ? nested : tmp;
  if (!existsSync(join(root, 'quarkus-run.jar'))) throw new StackError(`${tgz} holds no quarkus-run.jar`);
  writeFileSync(join(root, '.complete'), new Date().toISOString());
  rmSync(appDir, { recursive: true, force: true });
  renameSync(root, appDir);
  rmSync(tmp, { recursive: true, force: true });
  return jar;
}

// ---------------------------------------------------------------------------------------------
// Processes

const pidFile = (s, name) => join(s.stateDir, `${name}.pid`);
const logFile = (s, name) => join(s.stateDir, 'logs', `${name}.log`);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(s, name) {
  try {
    const pid = Number(readFileSync(pidFile(s, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function logTail(s, name, lines = 25) {
  try {
    return readFileSync(logFile(s, name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log yet)';
  }
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((done) => {
    const sock = createConnection({ port, host });
    sock.setTimeout(1000);
    sock.once('connect', () => (sock.destroy(), done(true)));
    sock.once('error', () => done(false));
    sock.once('timeout', () => (sock.destroy(), done(false)));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

function startDetached(s, name, bin, args, cwd) {
  mkdirSync(join(s.stateDir, 'logs'), { recursive: true });
  const out = openSync(logFile(s, name), 'a');
  const child = spawn(bin, args, { cwd, detached: true, stdio: ['ignore', out, out] });
  writeFileSync(pidFile(s, name), String(child.pid));
  child.unref();
  return child.pid;
}

async function waitFor(s, name, pid, check) {
  const deadline = Date.now() + s.startTimeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) throw new StackError(`${name} exited during start-up`, logTail(s, name));
    if (await check()) return;
    await sleep(500);
  }
  throw new StackError(`${name} did not become healthy within ${s.startTimeoutMs} ms`, logTail(s, name));
}

async function stopProcess(s, name) {
  const pid = readPid(s, name);
  if (pid === undefined) {
    rmSync(pidFile(s, name), { force: true });
    return false;
  }
  const signalGroup = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  if (alive(pid)) signalGroup('SIGKILL');
  while (alive(pid)) await sleep(100);
  rmSync(pidFile(s, name), { force: true });
  rmSync(join(s.stateDir, `${name}.port`), { force: true });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Services

/** The SCRAM and PLAIN user of the SASL_SSL listener; its password is made once per stack folder. */
export const STACK_SASL_USER = 'tws';
const saslPasswordFile = (s) => join(s.stateDir, 'kafka-sasl-password');
const tlsDir = (s) => join(s.stateDir, 'tls');
const secure = (s) => s.saslSslPort !== undefined || s.sslPort !== undefined;
const describeSecure = (s) =>
  [
    s.saslSslPort !== undefined ? `SASL_SSL on ${s.saslSslPort} (TWS_KAFKA_SASL_SSL_PORT)` : '',
    s.sslPort !== undefined ? `SSL with client certificates on ${s.sslPort} (TWS_KAFKA_SSL_PORT)` : '',
  ]
    .filter(Boolean)
    .join(', ');

function saslPassword(s) {
  if (!existsSync(saslPasswordFile(s))) {
    mkdirSync(s.stateDir, { recursive: true });
    writeFileSync(saslPasswordFile(s), randomBytes(12).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(saslPasswordFile(s), 'utf8');
}

/** Listener settings of the optional SASL_SSL and SSL (client certificates required) listeners. */
function secureListenerProps(s, java, log) {
  if (!secure(s)) return { listeners: [], props: [] };
  const tls = ensureTlsMaterial(tlsDir(s), { javaBin: java.bin, log });
  const listeners = [
    ...(s.saslSslPort !== undefined ? [`SASL_SSL://127.0.0.1:${s.saslSslPort}`] : []),
    ...(s.sslPort !== undefined ? [`SSL://127.0.0.1:${s.sslPort}`] : []),
  ];
  const props = [
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${tls.serverKeystore}`,
    `ssl.keystore.password=${tls.password}`,
    `ssl.key.password=${tls.password}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${tls.caPem}`,
    'listener.name.ssl.ssl.client.auth=required',
  ];
  if (s.saslSslPort !== undefined) {
    // SCRAM users live in the cluster metadata (added after start-up); PLAIN's are listed here.
    props.push(
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${STACK_SASL_USER}="${saslPassword(s)}";`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
  }
  return { listeners, props };
}

function kafkaConfig(s, java, log) {
  const data = join(s.stateDir, 'kafka-data');
  const extra = secureListenerProps(s, java, log);
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${s.controllerPort}`,
    `listeners=${[`PLAINTEXT://127.0.0.1:${s.kafkaPort}`, `CONTROLLER://127.0.0.1:${s.controllerPort}`, ...extra.listeners].join(',')}`,
    `advertised.listeners=${[`PLAINTEXT://127.0.0.1:${s.kafkaPort}`, ...extra.listeners].join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL',
    ...extra.props,
    `log.dirs=${data}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.retention.check.interval.ms=60000',
  ];
  const file = join(s.stateDir, 'kafka-server.properties');
  writeFileSync(file, props.join('\n') + '\n');
  return { file, data };
}

async function kafkaHealthy(s) {
  return brokerAnswers(s.kafkaPort);
}

/** Whether a broker on `port` answers cluster metadata, with the given ssl and sasl client options. */
async function brokerAnswers(port, security = {}) {
  if (!(await portOpen(port))) return false;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    clientId: 'tws-stack',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ...security,
  }).admin();
  try {
    await admin.connect();
    const md = await admin.describeCluster();
    return md.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Whether each configured secure listener serves its clients: SCRAM over SASL_SSL, a client certificate over SSL. */
async function secureListenersHealthy(s) {
  const tls = tlsFiles(tlsDir(s));
  if (!existsSync(tls.caPem)) return false;
  const ca = [readFileSync(tls.caPem)];
  if (s.saslSslPort !== undefined) {
    const sasl = { mechanism: 'scram-sha-256', username: STACK_SASL_USER, password: saslPassword(s) };
    if (!(await brokerAnswers(s.saslSslPort, { ssl: { ca }, sasl }))) return false;
  }
  if (s.sslPort !== undefined) {
    const ssl = { ca, cert: readFileSync(tls.clientCertPem), key: readFileSync(tls.clientKeyPem) };
    if (!(await brokerAnswers(s.sslPort, { ssl }))) return false;
  }
  return true;
}

const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
/** Written once the SCRAM user is in the cluster's metadata (at format time, or added later). */
const scramMarker = (s) => join(s.stateDir, 'kafka-scram-user');

/** `kafka-storage format` arguments that create the SCRAM user with a new cluster. */
function scramFormatArgs(s) {
  if (s.saslSslPort === undefined) return [];
  const pw = saslPassword(s);
  return SCRAM_MECHANISMS.flatMap((m) => ['--add-scram', `${m}=[name=${STACK_SASL_USER},password=${pw}]`]);
}

/** A cluster formatted before SASL was asked for: add the SCRAM user through the plaintext listener. */
function addScramUser(s, log) {
  if (existsSync(scramMarker(s))) return;
  const java = findJava(17);
  const lib = ensureKafkaJars(s, log);
  const password = saslPassword(s);
  // One mechanism per call: the broker refuses two changes of one user in a request.
  for (const mechanism of SCRAM_MECHANISMS) {
    const r = spawnSync(
      java.bin,
      [`-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`, '-cp', `${lib}/*`, 'kafka.admin.ConfigCommand']
        .concat(['--bootstrap-server', `127.0.0.1:${s.kafkaPort}`, '--alter', '--entity-type', 'users'])
        .concat(['--entity-name', STACK_SASL_USER, '--add-config', `${mechanism}=[password=${password}]`]),
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new StackError('adding the SCRAM user to Kafka failed', `${r.stdout}\n${r.stderr}`);
  }
  writeFileSync(scramMarker(s), STACK_SASL_USER);
}

async function registryHealthy(s) {
  try {
    const res = await fetch(`http://127.0.0.1:${s.registryPort}/apis/ccompat/v7/subjects`, {
      signal: AbortSignal.timeout(2000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

const services = {
  kafka: {
    port: (s) => s.kafkaPort,
    healthy: kafkaHealthy,
    /** After a start: the SCRAM user, then every secure listener must serve. */
    async configure(s, pid, log) {
      if (!secure(s)) return;
      if (s.saslSslPort !== undefined) addScramUser(s, log);
      await waitFor(s, 'kafka', pid, () => secureListenersHealthy(s));
      log(`kafka: secure listeners ready (${describeSecure(s)})`);
    },
    /** A broker that runs already must serve the secure listeners asked for: it cannot gain them live. */
    async check(s) {
      if (secure(s) && !(await secureListenersHealthy(s)))
        throw new StackError(
          `kafka: the running broker does not serve ${describeSecure(s)}; stop it (npm run stack:down) and start it again with these settings`,
        );
    },
    async start(s, log) {
      const java = findJava(17);
      const lib = ensureKafkaJars(s, log);
      const { file, data } = kafkaConfig(s, java, log);
      const cp = `${lib}/*`;
      if (!existsSync(join(data, 'meta.properties'))) {
        const id = spawnSync(java.bin, ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .pop();
        const scram = scramFormatArgs(s);
        const f = spawnSync(
          java.bin,
          ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', file, ...scram],
          { encoding: 'utf8' },
        );
        if (f.status !== 0) throw new StackError('formatting the Kafka storage failed', `${f.stdout}\n${f.stderr}`);
        if (scram.length) writeFileSync(scramMarker(s), STACK_SASL_USER);
      }
      return startDetached(
        s,
        'kafka',
        java.bin,
        [
          `-Xms${s.kafkaHeap}`,
          `-Xmx${s.kafkaHeap}`,
          '-XX:+UseG1GC',
          `-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`,
          '-cp',
          cp,
          'kafka.Kafka',
          file,
        ],
        s.stateDir,
      );
    },
  },
  registry: {
    port: (s) => s.registryPort,
    healthy: registryHealthy,
    async start(s, log) {
      const java = findJava(21);
      const jar = ensureApicurio(s, log);
      const db = join(s.stateDir, 'registry-data', 'registry');
      mkdirSync(dirname(db), { recursive: true });
      return startDetached(
        s,
        'registry',
        java.bin,
        [
          `-Xmx${s.registryHeap}`,
          `-Dquarkus.http.port=${s.registryPort}`,
          '-Dquarkus.http.host=127.0.0.1',
          // Quarkus also opens a management port (9000 by default, fixed at build time as enabled):
          // move it next to the registry's, so that two stacks (CI beside a developer's) can coexist.
          `-Dquarkus.management.port=${s.registryManagementPort}`,
          '-Dquarkus.management.host=127.0.0.1',
          // File-backed H2 so that schema ids survive a restart, as the records that carry them do.
          `-Dapicurio.datasource.url=jdbc:h2:file:${db}`,
          '-Dquarkus.log.level=WARN',
          '-Dquarkus.http.access-log.enabled=false',
          '-jar',
          jar,
        ],
        s.stateDir,
      );
    },
  },
};

/** Starts what is not running (of `only`, default both); returns the names it started. Idempotent. */
export async function stackUp({ log = console.log, env = process.env, only } = {}) {
  const s = stackSettings(env);
  mkdirSync(s.stateDir, { recursive: true });
  const started = [];
  try {
    await startServices(s, log, started, only);
  } catch (err) {
    // Leave nothing half-started behind: stop what this call started, then report.
    for (const name of [...started].reverse()) await stopProcess(s, name).catch(() => {});
    throw err;
  }
  return started;
}

const portFile = (s, name) => join(s.stateDir, `${name}.port`);
const PORT_SETTING = { kafka: 'TWS_KAFKA_PORT', registry: 'TWS_REGISTRY_PORT' };

/** A service of this folder that runs on another port than asked: say so instead of waiting for it. */
function checkRecordedPort(s, name, svc) {
  let recorded;
  try {
    recorded = Number(readFileSync(portFile(s, name), 'utf8').trim());
  } catch {
    return;
  }
  if (recorded !== svc.port(s))
    throw new StackError(
      `${name} of ${s.stateDir} runs on port ${recorded}, but ${PORT_SETTING[name]} asks for ${svc.port(s)}: stop it (tws stack down, with the settings it was started with) or set TWS_STACK_DIR to another folder`,
    );
}

async function startServices(s, log, started, only) {
  for (const [name, svc] of Object.entries(services)) {
    if (only && !only.includes(name)) continue;
    const pid = readPid(s, name);
    if (pid !== undefined) checkRecordedPort(s, name, svc);
    if (pid !== undefined && (await svc.healthy(s))) {
      await svc.check?.(s);
      log(`${name}: already running (pid ${pid}, port ${svc.port(s)})`);
      continue;
    }
    if (pid !== undefined) {
      // Ours but unhealthy: wait for it rather than starting a second copy.
      log(`${name}: running (pid ${pid}), waiting until healthy…`);
      await waitFor(s, name, pid, () => svc.healthy(s));
      await svc.check?.(s);
      continue;
    }
    if (await portOpen(svc.port(s))) {
      if (await svc.healthy(s)) {
        await svc.check?.(s);
        log(`${name}: port ${svc.port(s)} already serves a healthy ${name} not started by this stack; using it`);
        continue;
      }
      throw new StackError(
        `${name}: port ${svc.port(s)} is already in use by another process. Free it or set ${PORT_SETTING[name]}.`,
      );
    }
    const t0 = Date.now();
    log(`${name}: starting on 127.0.0.1:${svc.port(s)}…`);
    const newPid = await svc.start(s, log);
    started.push(name);
    writeFileSync(portFile(s, name), String(svc.port(s)));
    await waitFor(s, name, newPid, () => svc.healthy(s));
    await svc.configure?.(s, newPid, log);
    log(`${name}: healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${newPid})`);
  }
}

/** Stops the named services (default: all), registry first. Idempotent. */
export async function stackDown({ log = console.log, env = process.env, only } = {}) {
  const s = stackSettings(env);
  for (const name of ['registry', 'kafka']) {
    if (only && !only.includes(name)) continue;
    log(`${name}: ${(await stopProcess(s, name)) ? 'stopped' : 'not running'}`);
  }
}

export async function stackStatus({ env = process.env } = {}) {
  const s = stackSettings(env);
  const out = {};
  for (const [name, svc] of Object.entries(services)) {
    const pid = readPid(s, name);
    out[name] = {
      running: pid !== undefined,
      healthy: await svc.healthy(s),
      pid,
      port: svc.port(s),
      rssMiB: pid ? rssMiB(pid) : undefined,
      log: logFile(s, name),
    };
  }
  return out;
}

/**
 * Connection settings that the rest of the project reads for this stack; with the secure listeners,
 * also their addresses and the files a client needs (the CA, the SASL password, a client certificate).
 */
export function stackEndpoints(env = process.env) {
  const s = stackSettings(env);
  const tls = tlsFiles(tlsDir(s));
  return {
    brokers: `127.0.0.1:${s.kafkaPort}`,
    registryUrl: `http://127.0.0.1:${s.registryPort}/apis/ccompat/v7`,
    ...(s.saslSslPort !== undefined && {
      saslSsl: {
        brokers: `127.0.0.1:${s.saslSslPort}`,
        caFile: tls.caPem,
        username: STACK_SASL_USER,
        passwordFile: saslPasswordFile(s),
      },
    }),
    ...(s.sslPort !== undefined && {
      ssl: {
        brokers: `127.0.0.1:${s.sslPort}`,
        caFile: tls.caPem,
        certFile: tls.clientCertPem,
        keyFile: tls.clientKeyPem,
      },
    }),
  };
}

async function main(argv) {
  const cmd = argv[0];
  try {
    if (cmd === 'up') {
      const t0 = Date.now();
      await stackUp();
      console.log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(stackEndpoints())}`);
    } else if (cmd === 'down') await stackDown();
    else if (cmd === 'status') {
      const st = await stackStatus();
      for (const [name, v] of Object.entries(st))
        console.log(
          `${name.padEnd(9)} ${v.running ? 'running' : 'stopped'}${v.healthy ? ' healthy' : ''}  port=${v.port}${v.pid ? `  pid=${v.pid}  rss=${v.rssMiB} MiB` : ''}`,
        );
    } else {
      console.error('usage: stack.mjs up|down|status');
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(err instanceof StackError ? `stack: ${err.message}` : err);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
