// ISO-8601 instants at the API boundary. `Date.parse` is lenient (2026-02-30 becomes March 2,
// 24:00 is accepted, a date-time without offset is read as local time), so we parse strictly:
// YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss[.fff]] with Z or ±hh:mm (no offset means UTC).

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/** Instants the API accepts: the years 1970 to 2099 (ClickHouse Date ends in 2149, DateTime64 in 2299). */
export const MIN_INSTANT_MS = 0;
export const MAX_INSTANT_MS = Date.UTC(2100, 0, 1);

const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Epoch ms of a strict ISO-8601 date or date-time, or null when it is not one. */
export function parseInstant(text: string): number | null {
  const m = ISO_RE.exec(text);
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = hs === undefined ? 0 : Number(hs);
  const mi = mis === undefined ? 0 : Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  if (y < 1970 || y > 2099) return null; // also keeps Date.UTC from reading 0070 as 1970
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let offsetMin = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 23 || om > 59) return null;
    offsetMin = sign * (oh * 60 + om);
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  if (t < MIN_INSTANT_MS || t >= MAX_INSTANT_MS) return null;
  return t;
}

export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));
