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

/** The tracker's key of a window: `event_id|zone|granularity|window_start` (read from its end). */
export const windowKey = (eventId: string, zone: string, granularity: Granularity, start: number): string =>
  `${eventId}|${zone}|${granularity}|${start}`;

/** `%` and `|` percent-encoded, so no id or zone name can forge a separator. */
const keyPart = (s: string): string => s.replace(/%/g, '%25').replace(/\|/g, '%7C');

/**
 * The record key of tws.rollups.zones.v1: `event_id|zone|granularity|window_start`, with `%` and `|`
 * in the event id and zone percent-encoded. Names without those characters give the same key as
 * before the encoding existed; take the fields from the value anyway (docs/topics.md).
 */
export const rollupTopicKey = (eventId: string, zone: string, granularity: Granularity, start: number): string =>
  `${keyPart(eventId)}|${keyPart(zone)}|${granularity}|${start}`;
