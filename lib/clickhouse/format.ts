// Value conversions at the ClickHouse boundary. DateTime64 columns take 'YYYY-MM-DD hh:mm:ss.sss'
// (UTC) on input; we read them back as epoch ms with toUnixTimestamp64Milli().

/** Epoch ms → a DateTime64(3, 'UTC') literal for JSONEachRow input. */
export function chDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** ClickHouse returns UInt64/Int64 as numbers here (see store.ts); accept strings defensively. */
export const toNumber = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
