// `tws up` (or `npm start`) as a user runs it: a child process in its own process group, so that a
// Ctrl-C reaches the whole group as a terminal's would, with its output kept for assertions.
// With `tty`, the run gets a real pseudo-terminal (util-linux `script`), as in a user's terminal:
// the program's own isatty checks decide, and Ctrl-C is the ^C byte typed into that terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './pipeline.ts';

const running = new Set<ChildProcess>();

export interface UpProcess {
  pid: number;
  output(): string;
  /** Resolves with the API's base URL once the run prints that it is ready. */
  api(): Promise<string>;
  /** Waits until the output matches `re`; returns the match. */
  waitForOutput(what: string, re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Ctrl-C to the whole group; resolves with the ms until no process of the group was left. */
  interrupt(): Promise<number>;
  /** SIGKILL to the whole group (a crash: no clean-up runs). */
  kill9(): Promise<void>;
  /** SIGHUP to the whole group (the terminal closed); resolves when no process of the group is left. */
  hangUp(): Promise<void>;
}

export function startUp(opts: { env: NodeJS.ProcessEnv; args?: string[]; viaNpm?: boolean; tty?: boolean }): UpProcess {
  const [cmd, args] = opts.viaNpm
    ? ['npm', ['start', '--silent', ...(opts.args?.length ? ['--', ...opts.args] : [])]]
    : opts.tty
      ? // One process on the terminal (no npx in between), which the terminal's ^C reaches.
        ['script', ['-qfec', ['exec', 'node', 'bin/tws.mjs', 'up', ...(opts.args ?? [])].join(' '), '/dev/null']]
      : // The `tws` launcher (tsx in-process): under the tsx CLI, a child busy in chDB at Ctrl-C
        // could miss tsx's short signal relay and be SIGKILLed without a clean stop.
        ['node', ['bin/tws.mjs', 'up', ...(opts.args ?? [])]];
  const child = spawn(cmd, args, {
    env: opts.env,
    stdio: [opts.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('exit', () => running.delete(child));
  const pid = child.pid!;
  const gone = () => waitFor('every process of the run to exit', async () => !groupAlive(pid), 90_000);
  const waitForOutput = (what: string, re: RegExp, timeoutMs = 120_000) =>
    waitFor(
      what,
      async () => out.match(re) ?? (child.exitCode !== null ? Promise.reject(new Error(`exited: ${out}`)) : undefined),
      timeoutMs,
    );
  return {
    pid,
    output: () => out,
    waitForOutput,
    async api() {
      const m = await waitForOutput('the API URL', /API\s+(http:\/\/\S+)\/v1\/events/);
      await waitForOutput('ready', /Press Ctrl-C to stop\./, 60_000);
      return m[1]!;
    },
    async interrupt() {
      const t0 = Date.now();
      if (opts.tty) child.stdin!.write('\x03');
      else process.kill(-pid, 'SIGINT');
      await gone();
      return Date.now() - t0;
    },
    async kill9() {
      process.kill(-pid, 'SIGKILL');
      await gone();
    },
    async hangUp() {
      process.kill(-pid, 'SIGHUP');
      await gone();
    },
  };
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** For afterAll: no run outlives its test file. */
export function killAllUp(): void {
  for (const c of running) if (c.pid && groupAlive(c.pid)) process.kill(-c.pid, 'SIGKILL');
}
