// Tolerant reading of marketplace JSON, shared by the source parsers: values may arrive as strings
// or numbers, and a value that cannot be read is null (the parser then counts a reject reason).

/** The Avro contract stores quantities and splits as int and cents as long. */
export const MAX_INT = 2 ** 31 - 1;

export type Obj = Record<string, unknown>;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A non-empty string or a finite number, as a trimmed string; null otherwise. */
export function text(v: unknown): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s === '' ? null : s;
}

/** A finite number, or a string holding one. `Number('')` is 0, hence the text() guard. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  const s = text(v);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** A quantity a buyer can take: a whole number from 1 to MAX_INT. */
export const isCount = (n: number | null): n is number => n !== null && Number.isInteger(n) && n >= 1 && n <= MAX_INT;

/**
 * A listing count the answer announces (0 included); null when it gives none that is whole. A
 * partial answer (filtered or cut short) lists fewer: the listing lifecycle skips such a snapshot.
 */
export function announcedCount(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n >= 0 && n <= MAX_INT ? n : null;
}
