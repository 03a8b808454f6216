// GET /v1/events/{id}/sources from the rows of api/queries/sources.ts: each source now (get-in, for
// 2 and 4 seats, tickets, listings), then all sources, and per zone each source and the cheapest.
// Pure: no I/O, tested with plain values.
import type { SourceZoneRow } from '../queries/sources.ts';

export interface SourceNow {
  source: string;
  source_event_id: string | null;
  scraped_at_ms: number | null;
  get_in_cents: number | null;
  get_in_2_cents: number | null;
  get_in_4_cents: number | null;
  tickets: number;
  listings: number;
  duplicate_listings: number;
}

export interface ZoneComparison {
  zone: string;
  cheapest_source: string | null;
  sources: Array<{
    source: string;
    get_in_cents: number | null;
    get_in_2_cents: number | null;
    get_in_4_cents: number | null;
    tickets: number;
  }>;
}

const lower = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const num = (v: unknown): number => Number(v ?? 0);
const cents = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * `sources`: the event's sources, the primary first (each is listed, with nulls before its first
 * snapshot); `rows`: per (source or 'all', zone) now.
 */
export function compareSources(
  sources: ReadonlyArray<{ source: string; source_event_id: string }>,
  rows: readonly SourceZoneRow[],
): { sources: SourceNow[]; zones: ZoneComparison[] } {
  const names = [...sources.map((s) => s.source), 'all'];
  const summary = names.map((name): SourceNow => {
    const own = rows.filter((r) => r.source === name);
    return {
      source: name,
      source_event_id: sources.find((s) => s.source === name)?.source_event_id ?? null,
      scraped_at_ms: own.length ? Math.max(...own.map((r) => num(r.scraped_at_ms))) : null,
      get_in_cents: own.reduce<number | null>((m, r) => lower(m, cents(r.get_in_cents)), null),
      get_in_2_cents: own.reduce<number | null>((m, r) => lower(m, cents(r.get_in_2_cents)), null),
      get_in_4_cents: own.reduce<number | null>((m, r) => lower(m, cents(r.get_in_4_cents)), null),
      tickets: own.reduce((n, r) => n + num(r.tickets), 0),
      listings: own.reduce((n, r) => n + num(r.listings), 0),
      duplicate_listings: own.reduce((n, r) => n + num(r.duplicate_listings), 0),
    };
  });
  const zones = [...new Set(rows.filter((r) => names.includes(r.source)).map((r) => r.zone))].sort();
  return {
    sources: summary,
    zones: zones.map((zone): ZoneComparison => {
      const entries = names.flatMap((name) => {
        const r = rows.find((x) => x.source === name && x.zone === zone);
        return r
          ? [
              {
                source: name,
                get_in_cents: cents(r.get_in_cents),
                get_in_2_cents: cents(r.get_in_2_cents),
                get_in_4_cents: cents(r.get_in_4_cents),
                tickets: num(r.tickets),
              },
            ]
          : [];
      });
      // The cheapest marketplace: the lowest get-in among the sources themselves (ties: by name).
      const priced = entries
        .filter((e) => e.source !== 'all' && e.get_in_cents !== null)
        .sort((a, b) => a.get_in_cents! - b.get_in_cents! || (a.source < b.source ? -1 : 1));
      return { zone, cheapest_source: priced[0]?.source ?? null, sources: entries };
    }),
  };
}
