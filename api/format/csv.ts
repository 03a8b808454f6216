// RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line
// break. null is an empty field; objects and arrays are written as JSON.

function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  const lines = [columns.map(field).join(',')];
  for (const r of rows) lines.push(columns.map((col) => field(r[col])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
