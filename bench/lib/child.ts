// Phases run as child processes (`node --import tsx bench/phases/<name>.ts`): chDB allows one data
// path per process, and a separate process gives each measurement its own CPU time and peak RSS.
// Parent and child talk over Node's IPC channel: the parent sends commands, the child answers them,
// may announce events, and sends its result last. With BENCH_CPU_PROF=1 every child runs under
// `node --cpu-prof`, its profile written to bench/results/profiles/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';

type Msg =
  | { type: 'cmd'; id: number; cmd: string; args?: unknown }
  | { type: 'reply'; id: number; data?: unknown; error?: string }
  | { type: 'event'; name: string; data?: unknown }
  | { type: 'result'; data: unknown }
  | { type: 'error'; message: string };

export const PROFILE_DIR = resolve('bench/results/profiles');

// ---- parent side ---------------------------------------------------------------------------------

export class PhaseProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly events: Array<{ name: string; data?: unknown }> = [];
  private readonly waiters: Array<{ name: string; resolve: (v: unknown) => void }> = [];
  readonly result: Promise<unknown>;
  /** Exit code or signal when the process did not exit with 0. */
  exitStatus: string | undefined;
  private exiting = false;

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
  ) {
    const args = ['--import', 'tsx'];
    if (process.env.BENCH_CPU_PROF === '1') {
      mkdirSync(PROFILE_DIR, { recursive: true });
      // One file per thread (the tsx loader runs on its own); renamed after the phase below.
      args.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`);
    }
    this.child = spawn(process.execPath, [...args, join('bench', 'phases', script)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    let settle!: { resolve: (v: unknown) => void; reject: (e: Error) => void };
    this.result = new Promise((resolve, reject) => (settle = { resolve, reject }));
    // A failed phase is reported where its result is awaited, never as an unhandled rejection.
    this.result.catch(() => {});
    let result: unknown;
    let failure: Error | undefined;
    this.child.on('message', (raw) => {
      const m = raw as Msg;
      if (m.type === 'reply') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error) p?.reject(new Error(`${name}: ${m.error}`));
        else p?.resolve(m.data);
      } else if (m.type === 'event') {
        const i = this.waiters.findIndex((w) => w.name === m.name);
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m.data);
        else this.events.push({ name: m.name, data: m.data });
      } else if (m.type === 'result') result = m.data;
      else if (m.type === 'error') failure = new Error(`${name} failed: ${m.message}`);
    });
    this.child.on('exit', (code, signal) => {
      if (process.env.BENCH_CPU_PROF === '1') nameProfiles(name, this.child.pid);
      this.exitStatus = code === 0 ? undefined : String(code ?? signal);
      // A phase that delivered its result (or was told to exit) has measured everything; a crash
      // while the process tears down (chDB at exit) is reported, not fatal.
      const done = result !== undefined || this.exiting;
      if (this.exitStatus && done && !failure)
        process.stderr.write(`[bench] warning: ${name} exited with ${this.exitStatus} after its work was done\n`);
      const err = failure ?? (code === 0 || done ? undefined : new Error(`${name} exited with ${code ?? signal}`));
      for (const p of this.pending.values()) p.reject(err ?? new Error(`${name} exited`));
      this.pending.clear();
      if (err) settle.reject(err);
      else settle.resolve(result);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T>(cmd: string, args?: unknown): Promise<T> {
    if (cmd === 'exit') this.exiting = true;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ type: 'cmd', id, cmd, args } satisfies Msg);
    });
  }

  /** Resolves with the data of the child's next event `name` (or one already received). */
  event<T>(name: string): Promise<T> {
    const i = this.events.findIndex((e) => e.name === name);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]!.data as T);
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ name, resolve: resolve as (v: unknown) => void });
      this.result.then(
        () => reject(new Error(`${this.name} ended before event ${name}`)),
        (err: Error) => reject(err),
      );
    });
  }

  /** Ends the child: by its own `exit` command when it serves commands, else SIGTERM. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

/** CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile → <phase>.<pid>.<tid>.cpuprofile (tid 0: main thread). */
function nameProfiles(phase: string, pid: number | undefined): void {
  if (pid === undefined) return;
  for (const f of readdirSync(PROFILE_DIR)) {
    const m = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(f);
    if (m && Number(m[1]) === pid)
      renameSync(join(PROFILE_DIR, f), join(PROFILE_DIR, `${phase}.${pid}.${m[2]}.cpuprofile`));
  }
}

/** Runs a phase that takes no commands and returns its result. */
export async function runPhase<T>(name: string, script: string, env: Record<string, string>): Promise<T> {
  const p = new PhaseProcess(name, script, env);
  return (await p.result) as T;
}

// ---- child side ----------------------------------------------------------------------------------

const send = (m: Msg): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) {
      // Run by hand, without a parent: print what would have been sent.
      if (m.type === 'result' || m.type === 'event') process.stdout.write(`${JSON.stringify(m)}\n`);
      resolve();
      return;
    }
    process.send(m, undefined, undefined, () => resolve());
  });

export const emit = (name: string, data?: unknown): Promise<void> => send({ type: 'event', name, data });

/** Serves the parent's commands until it sends `exit`. */
export function serveCommands(handlers: Record<string, (args: unknown) => Promise<unknown>>): Promise<void> {
  return new Promise((done) => {
    process.on('message', (raw) => {
      const m = raw as Msg;
      if (m.type !== 'cmd') return;
      if (m.cmd === 'exit') {
        void send({ type: 'reply', id: m.id }).then(() => done());
        return;
      }
      const h = handlers[m.cmd];
      if (!h) {
        void send({ type: 'reply', id: m.id, error: `unknown command ${m.cmd}` });
        return;
      }
      h(m.args).then(
        (data) => send({ type: 'reply', id: m.id, data }),
        (err: unknown) => send({ type: 'reply', id: m.id, error: String((err as Error)?.stack ?? err) }),
      );
    });
  });
}

/** The body of a phase: runs `main`, sends its result (or failure) and exits. */
export function phaseMain(main: () => Promise<unknown>): void {
  main().then(
    async (data) => {
      await send({ type: 'result', data });
      process.exit(0);
    },
    async (err: unknown) => {
      process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
      await send({ type: 'error', message: String((err as Error)?.message ?? err) });
      process.exit(1);
    },
  );
}

/** Phase progress on stderr, prefixed with the phase name. */
export const note = (phase: string, line: string): void => {
  process.stderr.write(`[bench:${phase}] ${line}\n`);
};
