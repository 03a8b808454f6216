// Parent side of test/chaos/support/consumer-child.ts: start, watch, query, stop and SIGKILL
// consumer processes. Every child started here is killed in `killAllChildren()` (afterAll).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Store } from '../../../lib/clickhouse/store.ts';
import type { ChildStatus } from './consumer-child.ts';
import { serveStore } from './ipc-store.ts';
import { REPO_ROOT } from './results.ts';
import type { TablesDump } from './verify.ts';

const live = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ConsumerChild {
  readonly proc: ChildProcess;
  readonly startedAt = Date.now();
  status: ChildStatus | undefined;
  joinedAt: number | undefined;
  firstRangeAt: number | undefined;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<(m: { type: string } & Record<string, unknown>) => void>();

  constructor(env: NodeJS.ProcessEnv, opts: { store?: Store; script?: string } = {}) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', opts.script ?? 'test/chaos/support/consumer-child.ts'], {
      cwd: REPO_ROOT,
      env: { ...env, ...(opts.store ? { TWS_CHAOS_STORE: 'remote' } : {}) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    live.add(this.proc);
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8_000);
      if (process.env.TWS_CHAOS_DEBUG) process.stderr.write(`[child ${this.proc.pid}] ${d.toString()}`);
    });
    if (opts.store) serveStore(this.proc, opts.store);
    this.proc.on('message', (raw: unknown) => {
      const m = raw as { type: string } & Record<string, unknown>;
      if (m?.type === 'status') {
        const s = m as unknown as ChildStatus;
        this.status = s;
        if (s.joins > 0 && this.joinedAt === undefined) this.joinedAt = Date.now();
        if (s.ranges > 0 && this.firstRangeAt === undefined) this.firstRangeAt = Date.now();
      }
      for (const l of this.listeners) l(m);
    });
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        live.delete(this.proc);
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number | undefined {
    return this.proc.exitCode === null && this.proc.signalCode === null ? this.proc.pid : undefined;
  }

  get alive(): boolean {
    return this.pid !== undefined;
  }

  /** Resolves once `pred(status)` holds; rejects when the child exits first or time runs out. */
  async waitFor(what: string, pred: (s: ChildStatus) => boolean, timeoutMs = 120_000): Promise<ChildStatus> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.status && pred(this.status)) return this.status;
      if (!this.alive)
        throw new Error(
          `consumer child exited (code ${this.proc.exitCode}, signal ${this.proc.signalCode}) before ${what}:\n${this.stderr.slice(-3000)}`,
        );
      await sleep(100);
    }
    throw new Error(`consumer child: timed out waiting for ${what} (last status ${JSON.stringify(this.status)})`);
  }

  private request<T>(cmd: string, answer: string, timeoutMs = 120_000, extra: object = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumer child: no ${answer} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const listener = (m: { type: string } & Record<string, unknown>) => {
        if (m.type !== answer) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (m.error) reject(new Error(String(m.error)));
        else resolve(m.data as T);
      };
      this.listeners.add(listener);
      this.proc.send({ cmd, ...extra }, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        reject(new Error(`consumer child: cannot send ${cmd}: ${err.message}`));
      });
    });
  }

  /** The snapshot tables of the child's own store. */
  dump(): Promise<TablesDump> {
    return this.request<TablesDump>('dump', 'dump');
  }

  /** A SELECT on the child's own store (one at a time). */
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.request<T[]>('query', 'query', 30_000, { sql, params });
  }

  /** Graceful stop (as SIGTERM): finishes the batch in hand, commits, leaves the group. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.proc.send({ cmd: 'stop' }, () => {}); // a child that died meanwhile is handled below
    const done = await Promise.race([this.exited, sleep(30_000).then(() => undefined)]);
    if (!done) this.kill();
    await this.exited;
  }

  kill(): Promise<unknown> {
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

/** Environment of a consumer child: the given config variables over the test's own environment. */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, TWS_LOG_LEVEL: 'silent', ...vars };
}
