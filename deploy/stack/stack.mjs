#!/usr/bin/env node
// The local stack: Apache Kafka (KRaft, single node) and Apicurio Registry, run with plain `java`.
// Jars come from Maven Central through `mvn` and are cached outside the repo; data and logs live in
// a git-ignored folder. Plain ESM JavaScript so that it runs before anything is compiled, and so that
// vitest's global setup and the `tws stack` CLI can share it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const cacheDir = env.TWS_STACK_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tws-stack');
  const stateDir = resolve(env.TWS_STACK_DIR ?? join(repoRoot, '.tws', 'stack'));
  return {
    cacheDir,
    stateDir,
    kafkaPort: port('TWS_KAFKA_PORT', 9092),
    controllerPort: port('TWS_KAFKA_CONTROLLER_PORT', 9093),
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
  return true;
}

// ---------------------------------------------------------------------------------------------
// Services

function kafkaConfig(s) {
  const data = join(s.stateDir, 'kafka-data');
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${s.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${s.kafkaPort},CONTROLLER://127.0.0.1:${s.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${s.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
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
  if (!(await portOpen(s.kafkaPort))) return false;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    clientId: 'tws-stack',
    brokers: [`127.0.0.1:${s.kafkaPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
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
    async start(s, log) {
      const java = findJava(17);
      const lib = ensureKafkaJars(s, log);
      const { file, data } = kafkaConfig(s);
      const cp = `${lib}/*`;
      if (!existsSync(join(data, 'meta.properties'))) {
        const id = spawnSync(java.bin, ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .pop();
        const f = spawnSync(java.bin, ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', file], {
          encoding: 'utf8',
        });
        if (f.status !== 0) throw new StackError('formatting the Kafka storage failed', `${f.stdout}\n${f.stderr}`);
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

/** Starts what is not running; returns the names it started. Idempotent. */
export async function stackUp({ log = console.log, env = process.env } = {}) {
  const s = stackSettings(env);
  mkdirSync(s.stateDir, { recursive: true });
  const started = [];
  try {
    await startServices(s, log, started);
  } catch (err) {
    // Leave nothing half-started behind: stop what this call started, then report.
    for (const name of [...started].reverse()) await stopProcess(s, name).catch(() => {});
    throw err;
  }
  return started;
}

async function startServices(s, log, started) {
  for (const [name, svc] of Object.entries(services)) {
    const pid = readPid(s, name);
    if (pid !== undefined && (await svc.healthy(s))) {
      log(`${name}: already running (pid ${pid}, port ${svc.port(s)})`);
      continue;
    }
    if (pid !== undefined) {
      // Ours but unhealthy: wait for it rather than starting a second copy.
      log(`${name}: running (pid ${pid}), waiting until healthy…`);
      await waitFor(s, name, pid, () => svc.healthy(s));
      continue;
    }
    if (await portOpen(svc.port(s))) {
      if (await svc.healthy(s)) {
        log(`${name}: port ${svc.port(s)} already serves a healthy ${name} not started by this stack; using it`);
        continue;
      }
      throw new StackError(
        `${name}: port ${svc.port(s)} is already in use by another process. Free it or set ${name === 'kafka' ? 'TWS_KAFKA_PORT' : 'TWS_REGISTRY_PORT'}.`,
      );
    }
    const t0 = Date.now();
    log(`${name}: starting on 127.0.0.1:${svc.port(s)}…`);
    const newPid = await svc.start(s, log);
    started.push(name);
    await waitFor(s, name, newPid, () => svc.healthy(s));
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

/** Connection settings that the rest of the project reads for this stack. */
export function stackEndpoints(env = process.env) {
  const s = stackSettings(env);
  return { brokers: `127.0.0.1:${s.kafkaPort}`, registryUrl: `http://127.0.0.1:${s.registryPort}/apis/ccompat/v7` };
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
