// Checks that our consumer and the Kafka-engine baseline computed the same section metrics: every
// (snapshot, zone, section) row of both dumps, field by field.
import { readFileSync } from 'node:fs';
import type { SectionDumpRow } from '../phases/ingest-ours.ts';

export const COMPARED_FIELDS = [
  'lowest_price_cents',
  'highest_price_cents',
  'average_price_cents',
  'total_tickets',
  'total_listings',
] as const;

export interface Comparison {
  oursRows: number;
  nativeRows: number;
  compared: number;
  onlyInOurs: number;
  onlyInNative: number;
  mismatches: Record<(typeof COMPARED_FIELDS)[number], number>;
  identical: boolean;
  examples: Array<{ key: string; field: string; ours: unknown; native: unknown }>;
}

function load(path: string): Map<string, SectionDumpRow> {
  const out = new Map<string, SectionDumpRow>();
  const text = readFileSync(path, 'utf8');
  if (!text) return out;
  for (const line of text.split('\n')) {
    const r = JSON.parse(line) as SectionDumpRow;
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
  const mismatches = Object.fromEntries(COMPARED_FIELDS.map((f) => [f, 0])) as Comparison['mismatches'];
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
    for (const f of COMPARED_FIELDS) {
      if (same(a[f], b[f])) continue;
      mismatches[f]++;
      if (examples.length < 5) examples.push({ key, field: f, ours: a[f], native: b[f] });
    }
  }
  let onlyInNative = 0;
  for (const key of native.keys()) if (!ours.has(key)) onlyInNative++;
  const identical =
    onlyInOurs === 0 && onlyInNative === 0 && compared > 0 && Object.values(mismatches).every((n) => n === 0);
  return {
    oursRows: ours.size,
    nativeRows: native.size,
    compared,
    onlyInOurs,
    onlyInNative,
    mismatches,
    identical,
    examples,
  };
}
