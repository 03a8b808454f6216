// RFC 9110 §10.2.3: Retry-After is either delay-seconds or an HTTP-date.

/** The wait the header asks for in ms (never negative), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only date forms: Date.parse also reads bare numbers like "1.5" as dates.
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
