// Summarises a V8 CPU profile (node --cpu-prof, e.g. from BENCH_CPU_PROF=1 npm run bench): the main
// thread's time by function (self) and by project file (self time of the file's functions plus
// what they call in node_modules or Node itself), so the hot spots can be read without DevTools.
//
//   npx tsx bench/profile.ts bench/results/profiles/ingest-ours-….cpuprofile [top=25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  topSelf: Array<{ fn: string; ms: number; pct: number }>;
  byProjectFile: Array<{ file: string; ms: number; pct: number }>;
}

const short = (url: string): string => {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
};

const isProject = (url: string): boolean => url.startsWith('file://') && !url.includes('/node_modules/');

export function summarizeProfile(p: Profile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfMs.set(id, (selfMs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  let total = 0;
  let idle = 0;
  let gc = 0;
  const fnSelf = new Map<string, number>();
  const fileIncl = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const n = byId.get(id)!;
    total += ms;
    const name = n.callFrame.functionName;
    if (name === '(idle)') idle += ms;
    if (name === '(garbage collector)') gc += ms;
    const key = `${name || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + ms);
    // Charge the sample to the nearest project frame on its stack.
    let cur: ProfileNode | undefined = n;
    while (cur && !isProject(cur.callFrame.url)) cur = byId.get(parent.get(cur.id) ?? -1);
    const file = cur ? short(cur.callFrame.url) : name.startsWith('(') ? name : '(outside project code)';
    fileIncl.set(file, (fileIncl.get(file) ?? 0) + ms);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, ms]) => ({ ms: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10, k }));
  return {
    totalMs: Math.round(total),
    idleMs: Math.round(idle),
    gcMs: Math.round(gc),
    topSelf: rank(fnSelf).map(({ k, ms, pct }) => ({ fn: k, ms, pct })),
    byProjectFile: rank(fileIncl).map(({ k, ms, pct }) => ({ file: k, ms, pct })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25));
  const busy = s.totalMs - s.idleMs;
  process.stdout.write(
    `main thread: ${s.totalMs} ms sampled, ${s.idleMs} ms idle, ${busy} ms busy (${s.gcMs} ms GC)\n\n`,
  );
  process.stdout.write('self time (% of busy)\n');
  for (const r of s.topSelf)
    process.stdout.write(`${String(r.ms).padStart(7)} ms ${String(r.pct).padStart(5)}%  ${r.fn}\n`);
  process.stdout.write('\nby project file (self + callees outside the project)\n');
  for (const r of s.byProjectFile)
    process.stdout.write(`${String(r.ms).padStart(7)} ms ${String(r.pct).padStart(5)}%  ${r.file}\n`);
}
