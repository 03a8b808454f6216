// The rollup emitter's reads and its one write, one function per question (like api/queries/).
import { chDateTime } from '../../lib/clickhouse/format.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { Granularity } from '../../lib/model.ts';
import type { WindowEmission } from '../windows/tracker.ts';
import { windowKey } from '../windows/window.ts';

export type RollupRow = Record<string, number | string | null>;

const windowStartLiteral = (ms: number) => chDateTime(ms).slice(0, 19);

/** Per (event, zone, hour) of the partition's recent scrapes, the newest scrape time (ms). */
export function recentZoneSightings(
  store: Store,
  partition: number,
  lookbackSeconds: number,
): Promise<Array<{ event_id: string; zone: string; t: number }>> {
  return store.ingestQuery(
    `SELECT event_id, zone, max(toUnixTimestamp64Milli(scraped_at)) AS t
     FROM ${TABLES.zoneSnapshots}
     WHERE kafka_partition = {p:UInt32}
       AND scraped_at > (SELECT max(scraped_at) FROM ${TABLES.zoneSnapshots} WHERE kafka_partition = {p:UInt32}) - INTERVAL {s:UInt32} SECOND
     GROUP BY event_id, zone, toStartOfHour(scraped_at)
     ORDER BY t`,
    { p: partition, s: lookbackSeconds },
  );
}

/** The windows this group emitted from the partition since `fromMs`, by tracker key. */
export async function emittedWindows(
  store: Store,
  group: string,
  partition: number,
  fromMs: number,
): Promise<Map<string, { revision: number; final: boolean }>> {
  const rows = await store.ingestQuery<{
    granularity: Granularity;
    event_id: string;
    zone: string;
    start: number;
    revision: number;
    final: boolean | number;
  }>(
    `SELECT granularity, event_id, zone, toUnixTimestamp(window_start) * 1000 AS start, revision, final
     FROM ${TABLES.rollupEmissions} FINAL
     WHERE consumer_group = {g:String} AND kafka_partition = {p:UInt32} AND window_start >= {from:DateTime}`,
    { g: group, p: partition, from: windowStartLiteral(fromMs) },
  );
  return new Map(
    rows.map((e) => [
      windowKey(e.event_id, e.zone, e.granularity, Number(e.start)),
      { revision: Number(e.revision), final: Boolean(e.final) },
    ]),
  );
}

/** The highest revision this group emitted for each of `windows`, where it emitted one. */
export async function lastRevisions(
  store: Store,
  group: string,
  windows: WindowEmission[],
): Promise<Map<string, number>> {
  const rows = await store.ingestQuery<{
    granularity: Granularity;
    event_id: string;
    zone: string;
    start: number;
    revision: number;
  }>(
    `SELECT granularity, event_id, zone, toUnixTimestamp(window_start) * 1000 AS start, max(revision) AS revision
     FROM ${TABLES.rollupEmissions}
     WHERE consumer_group = {g:String} AND event_id IN {ids:Array(String)} AND window_start IN {starts:Array(DateTime)}
     GROUP BY granularity, event_id, zone, window_start`,
    {
      g: group,
      ids: [...new Set(windows.map((w) => w.eventId))],
      starts: [...new Set(windows.map((w) => windowStartLiteral(w.start)))],
    },
  );
  return new Map(rows.map((r) => [windowKey(r.event_id, r.zone, r.granularity, Number(r.start)), Number(r.revision)]));
}

/** The merged rollups (zone_hourly / zone_daily) of `windows`, by tracker key. */
export async function rollupRowsOf(store: Store, windows: WindowEmission[]): Promise<Map<string, RollupRow>> {
  const out = new Map<string, RollupRow>();
  for (const granularity of ['hourly', 'daily'] as const) {
    const ws = windows.filter((w) => w.granularity === granularity);
    if (ws.length === 0) continue;
    const [view, col, type] =
      granularity === 'hourly' ? [TABLES.zoneHourly, 'hour', 'DateTime'] : [TABLES.zoneDaily, 'day', 'Date'];
    const rows = await store.ingestQuery<RollupRow>(
      `SELECT *, toUnixTimestamp(toDateTime(${col})) * 1000 AS start_ms FROM ${view}
       WHERE event_id IN {ids:Array(String)} AND ${col} IN {starts:Array(${type})}`,
      {
        ids: [...new Set(ws.map((w) => w.eventId))],
        starts: [
          ...new Set(ws.map((w) => (type === 'Date' ? chDateTime(w.start).slice(0, 10) : windowStartLiteral(w.start)))),
        ],
      },
    );
    for (const r of rows) out.set(windowKey(String(r.event_id), String(r.zone), granularity, Number(r.start_ms)), r);
  }
  return out;
}

/** Records that `windows` were emitted (at their revision) from `partition`. */
export function recordEmissions(
  store: Store,
  group: string,
  partition: number,
  windows: WindowEmission[],
): Promise<void> {
  return store.insert(
    TABLES.rollupEmissions,
    windows.map((w) => ({
      consumer_group: group,
      granularity: w.granularity,
      event_id: w.eventId,
      zone: w.zone,
      window_start: windowStartLiteral(w.start),
      revision: w.revision,
      kafka_partition: partition,
      final: w.final ?? false,
    })),
  );
}
