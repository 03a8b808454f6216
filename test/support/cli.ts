// Running the real `tws` CLI (bin/tws.mjs) as a child process, the way users do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { uniqueId } from '../helpers/env.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An isolated environment: own data dir (chDB), topic prefix and consumer group, random ports. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { brokers, registryUrl } = stackEndpoints();
  const dir = mkdtempSync(join(tmpdir(), 'tws-cli-'));
  return {
    ...process.env,
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    TWS_DATA_DIR: dir,
    TWS_TOPIC_PREFIX: uniqueId('cli-'),
    TWS_CONSUMER_GROUP: uniqueId('cli-group-'),
    TWS_TOPIC_PARTITIONS: '3',
    TWS_LOG_LEVEL: 'warn',
    TWS_API_PORT: '0',
    ...extra,
  };
}

export function tws(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tws.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface LongRunning {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output so far once it matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function twsLongRunning(args: string[], env: NodeJS.ProcessEnv): LongRunning {
  const child = spawn(process.execPath, ['bin/tws.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null)
          throw new Error(`tws ${args.join(' ')} exited (${child.exitCode}) before printing ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`tws ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms:\n${out}`);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
