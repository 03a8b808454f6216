// Checks that our consumer and a Kafka-engine baseline computed the same metrics: every row of both
// dumps (keyed by snapshot, zone, section; zone rows have section '*'), field by field, on every
// metric both dumps carry (the section-only baseline computes five of them).
import { readFileSync } from 'node:fs';
import type { SectionDumpRow } from '../phases/ingest-ours.ts';

const KEY_FIELDS = new Set(['snapshot_id', 'zone', 'section']);

export interface Comparison {
  oursRows: number;
  nativeRows: number;
  compared: number;
  onlyInOurs: number;
  onlyInNative: number;
  /** The fields compared: those present in both dumps. */
  fields: string[];
  mismatches: Record<string, number>;
  identical: boolean;
  examples: Array<{ key: string; field: string; ours: unknown; native: unknown }>;
}

type DumpRow = SectionDumpRow & Record<string, unknown>;

function load(path: string): Map<string, DumpRow> {
  const out = new Map<string, DumpRow>();
  const text = readFileSync(path, 'utf8');
  if (!text) return out;
  for (const line of text.split('\n')) {
    const r = JSON.parse(line) as DumpRow;
    out.set(`${r.snapshot_id}|${r.zone}|${r.section}`, r);
  }
  return out;
}

const same = (a: unknown, b: unknown): boolean => {
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  const x = Number(a);
  const y = Number(b);
  return x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
};

export function compareDumps(oursPath: string, nativePath: string): Comparison {
  const ours = load(oursPath);
  const native = load(nativePath);
  // The section-only baseline has no zone rows ('*'): compare what it has.
  if (![...native.keys()].some((k) => k.endsWith('|*')))
    for (const k of ours.keys()) if (k.endsWith('|*')) ours.delete(k);
  const fieldsOf = (m: Map<string, DumpRow>) => Object.keys(m.values().next().value ?? {});
  const theirs = new Set(fieldsOf(native));
  const fields = fieldsOf(ours).filter((f) => theirs.has(f) && !KEY_FIELDS.has(f));
  const mismatches: Record<string, number> = Object.fromEntries(fields.map((f) => [f, 0]));
  const examples: Comparison['examples'] = [];
  let compared = 0;
  let onlyInOurs = 0;
  for (const [key, a] of ours) {
    const b = native.get(key);
    if (!b) {
      onlyInOurs++;
      continue;
    }
    compared++;
    for (const f of fields) {
      if (same(a[f], b[f])) continue;
      mismatches[f] = (mismatches[f] ?? 0) + 1;
      if (examples.length < 5) examples.push({ key, field: f, ours: a[f], native: b[f] });
    }
  }
  let onlyInNative = 0;
  for (const key of native.keys()) if (!ours.has(key)) onlyInNative++;
  const identical =
    onlyInOurs === 0 &&
    onlyInNative === 0 &&
    compared > 0 &&
    fields.length > 0 &&
    Object.values(mismatches).every((n) => n === 0);
  return {
    oursRows: ours.size,
    nativeRows: native.size,
    compared,
    fields,
    onlyInOurs,
    onlyInNative,
    mismatches,
    identical,
    examples,
  };
}
