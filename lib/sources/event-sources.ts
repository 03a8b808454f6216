// An event's sources: the marketplaces it is scraped on, each with its own event id. Records
// written before events had several sources carry only `source` / `source_event_id`.
import type { CatalogEvent, EventSourceRef } from '../model.ts';

/** Every source of the event, the primary first (never empty). */
export const eventSources = (e: Pick<CatalogEvent, 'source' | 'source_event_id' | 'sources'>): EventSourceRef[] =>
  e.sources && e.sources.length > 0 ? e.sources : [{ source: e.source, source_event_id: e.source_event_id }];

/**
 * The list an event is written with: `primary` first, then `others` without a second entry for any
 * source (the first one given wins).
 */
export function withPrimary(primary: EventSourceRef, others: readonly EventSourceRef[]): EventSourceRef[] {
  const out = [primary];
  for (const r of others) if (!out.some((x) => x.source === r.source)) out.push(r);
  return out;
}
