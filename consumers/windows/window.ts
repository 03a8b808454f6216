// Event-time tumbling windows: UTC hours and UTC days, [start, end). Epoch milliseconds have no leap
// seconds, so both are plain multiples of their length.
import type { Granularity } from '../../lib/model.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const windowLength = (granularity: Granularity): number => (granularity === 'hourly' ? HOUR_MS : DAY_MS);

/** Start of the window holding `tsMs` (floored, so times before 1970 work too). */
export const windowStart = (tsMs: number, granularity: Granularity): number => {
  const len = windowLength(granularity);
  return Math.floor(tsMs / len) * len;
};

/** Exclusive end of the window holding `tsMs`; a window's own start gives its end. */
export const windowEnd = (tsMs: number, granularity: Granularity): number =>
  windowStart(tsMs, granularity) + windowLength(granularity);

/** The key of topic tws.rollups.zones.v1: `event_id|zone|granularity|window_start`. */
export const windowKey = (eventId: string, zone: string, granularity: Granularity, start: number): string =>
  `${eventId}|${zone}|${granularity}|${start}`;
