// The event catalog: which events are tracked. The compacted topic catalog.events.v1 is the record
// of truth for downstream consumers; the `events` table (ReplacingMergeTree by version) serves
// queries. Writes publish first, then upsert the table, so a read right after a write sees it.
import type { Store } from '../clickhouse/store.ts';
import { chDateTime, toNumber } from '../clickhouse/format.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { CatalogEvent, EventSourceRef } from '../model.ts';
import { eventSources, withPrimary } from '../sources/event-sources.ts';
import type { SourceName } from '../sources/registry.ts';

/**
 * A new event: on one source (`source` + `source_event_id`), or on several (`sources`, the primary
 * first), or both (the pair is the primary and must not contradict `sources`).
 */
export interface NewEvent {
  event_id?: string;
  source?: SourceName;
  source_event_id?: string;
  sources?: Array<{ source: SourceName; source_event_id: string }>;
  name: string;
  venue: string;
  timezone: string;
  starts_at: number;
  capacity: number | null;
  active?: boolean;
}

export interface CatalogEventView extends CatalogEvent {
  last_scraped_at: number | null;
}

const SELECT_EVENTS = `
SELECT e.event_id AS event_id, e.source AS source, e.source_event_id AS source_event_id, e.name AS name,
       e.venue AS venue, e.timezone AS timezone, toUnixTimestamp64Milli(e.starts_at) AS starts_at,
       e.capacity AS capacity, e.active AS active, toUnixTimestamp64Milli(e.created_at) AS created_at,
       toUnixTimestamp64Milli(e.updated_at) AS updated_at, e.version AS version, e.sources AS sources,
       if(s.n = 0, NULL, toUnixTimestamp64Milli(s.last_scraped_at)) AS last_scraped_at
FROM (SELECT * FROM events FINAL WHERE {where:String} = '' OR event_id = {where:String}) AS e
LEFT JOIN (
  SELECT event_id, max(scraped_at) AS last_scraped_at, count() AS n FROM snapshots
  WHERE {where:String} = '' OR event_id = {where:String}
  GROUP BY event_id
) AS s
  ON s.event_id = e.event_id`;

/** Row shape → model: ClickHouse gives 64-bit numbers and Bool as JSON values already. */
function fromRow(r: Record<string, unknown>): CatalogEventView {
  return {
    event_id: String(r.event_id),
    source: String(r.source),
    source_event_id: String(r.source_event_id),
    name: String(r.name),
    venue: String(r.venue),
    timezone: String(r.timezone),
    starts_at: toNumber(r.starts_at),
    capacity: r.capacity === null ? null : toNumber(r.capacity),
    active: r.active === true || r.active === 1 || r.active === 'true',
    created_at: toNumber(r.created_at),
    updated_at: toNumber(r.updated_at),
    version: toNumber(r.version),
    sources: eventSources({
      source: String(r.source),
      source_event_id: String(r.source_event_id),
      sources: Object.entries((r.sources ?? {}) as Record<string, string>).map(([source, id]) => ({
        source,
        source_event_id: String(id),
      })),
    }),
    last_scraped_at: r.last_scraped_at === null || r.last_scraped_at === undefined ? null : toNumber(r.last_scraped_at),
  };
}

export const catalogRow = (e: CatalogEvent) => ({
  ...e,
  // Map(source, source_event_id) in the table, the primary first.
  sources: Object.fromEntries(eventSources(e).map((r) => [r.source, r.source_event_id])),
  starts_at: chDateTime(e.starts_at),
  created_at: chDateTime(e.created_at),
  updated_at: chDateTime(e.updated_at),
});

export const defaultEventId = (source: string, sourceEventId: string): string =>
  `${source}-${sourceEventId}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);

/**
 * How long capacityOf reuses the capacities it read. The inventory trend needs one on every request,
 * and reading it cost about 2 ms each time; another process's change shows after at most this long.
 */
export const CAPACITY_CACHE_MS = 10_000;

export class EventCatalog {
  private readonly store: Store;
  private readonly publish?: (e: CatalogEvent) => Promise<void>;
  private readonly now: () => number;
  /** Every event's capacity, read at once (one read answers every event for a while). */
  private capacities?: { byEvent: Map<string, number | null>; readAt: number };
  private capacitiesLoading?: Promise<Map<string, number | null>>;

  constructor(deps: { store: Store; publish?: (e: CatalogEvent) => Promise<void>; now?: () => number }) {
    this.store = deps.store;
    this.publish = deps.publish;
    this.now = deps.now ?? Date.now;
  }

  async list(opts: { active?: boolean; limit?: number; offset?: number } = {}): Promise<CatalogEventView[]> {
    const rows = await this.store.query<Record<string, unknown>>(
      `${SELECT_EVENTS}
       WHERE {active:Int8} < 0 OR e.active = ({active:Int8} = 1)
       ORDER BY e.starts_at, e.event_id
       LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      {
        where: '',
        active: opts.active === undefined ? -1 : opts.active ? 1 : 0,
        limit: opts.limit ?? 1000,
        offset: opts.offset ?? 0,
      },
    );
    return rows.map(fromRow);
  }

  async get(eventId: string): Promise<CatalogEventView | null> {
    const rows = await this.store.query<Record<string, unknown>>(SELECT_EVENTS, { where: eventId });
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /**
   * The event's venue capacity (null: none known, or no such event). Every event's is read at once and
   * reused for CAPACITY_CACHE_MS (a per-event cache missed on most requests of a busy API); a write
   * through this catalog updates it at once.
   */
  async capacityOf(eventId: string): Promise<number | null> {
    const fresh = this.capacities && performance.now() - this.capacities.readAt < CAPACITY_CACHE_MS;
    const byEvent = fresh ? this.capacities!.byEvent : await this.loadCapacities();
    return byEvent.get(eventId) ?? null;
  }

  /** One read of every capacity, shared by the requests that arrive meanwhile. */
  private loadCapacities(): Promise<Map<string, number | null>> {
    this.capacitiesLoading ??= this.store
      .query<{ event_id: string; capacity: number | null }>('SELECT event_id, capacity FROM events FINAL')
      .then((rows) => {
        const byEvent = new Map(rows.map((r) => [r.event_id, r.capacity]));
        this.capacities = { byEvent, readAt: performance.now() };
        return byEvent;
      })
      .finally(() => (this.capacitiesLoading = undefined));
    return this.capacitiesLoading;
  }

  /** The events the scheduler scrapes. */
  async activeEvents(): Promise<CatalogEventView[]> {
    return this.list({ active: true, limit: 100_000 });
  }

  async create(input: NewEvent): Promise<CatalogEvent> {
    const sources = sourcesOf(input);
    const primary = sources[0]!;
    const eventId = input.event_id ?? defaultEventId(primary.source, primary.source_event_id);
    if (await this.get(eventId)) throw new ConflictError(`event ${eventId} already exists`);
    const now = this.now();
    return this.write({
      event_id: eventId,
      source: primary.source,
      source_event_id: primary.source_event_id,
      sources,
      name: input.name,
      venue: input.venue,
      timezone: input.timezone,
      starts_at: input.starts_at,
      capacity: input.capacity,
      active: input.active ?? true,
      created_at: now,
      updated_at: now,
      version: now,
    });
  }

  async update(eventId: string, patch: Partial<Omit<NewEvent, 'event_id'>>): Promise<CatalogEvent> {
    const current = await this.get(eventId);
    if (!current) throw new NotFoundError(`event ${eventId} not found`);
    const { last_scraped_at: _ignored, ...base } = current;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const sources = patchedSources(current, patch);
    const now = this.now();
    // Versions only grow, even if the clock steps back, so the newest write always wins.
    return this.write({
      ...base,
      ...defined,
      source: sources[0]!.source,
      source_event_id: sources[0]!.source_event_id,
      sources,
      updated_at: now,
      version: Math.max(now, current.version + 1),
    });
  }

  deactivate(eventId: string): Promise<CatalogEvent> {
    return this.update(eventId, { active: false });
  }

  private async write(event: CatalogEvent): Promise<CatalogEvent> {
    checkSources(event.sources ?? []);
    if (this.publish) await this.publish(event);
    await this.store.insert('events', [catalogRow(event)]);
    this.capacities?.byEvent.set(event.event_id, event.capacity);
    return event;
  }
}

/** A new event's sources, the primary first; `source` + `source_event_id` is the primary when given. */
function sourcesOf(input: Pick<NewEvent, 'source' | 'source_event_id' | 'sources'>): EventSourceRef[] {
  const listed = input.sources ?? [];
  checkSources(listed);
  if (input.source !== undefined || input.source_event_id !== undefined) {
    if (input.source === undefined || input.source_event_id === undefined)
      throw new ValidationError(
        'give source and source_event_id together',
        input.source ? 'source_event_id' : 'source',
      );
    const primary = { source: input.source, source_event_id: input.source_event_id };
    const same = listed.find((r) => r.source === primary.source);
    if (same && same.source_event_id !== primary.source_event_id)
      throw new ValidationError(`sources gives ${primary.source} another event id than source_event_id`, 'sources');
    return withPrimary(primary, listed);
  }
  if (listed.length === 0) throw new ValidationError('give source and source_event_id, or sources', 'source');
  return withPrimary(listed[0]!, listed.slice(1));
}

/** PATCH: `sources` replaces the list; `source` / `source_event_id` alone replace the primary. */
function patchedSources(
  current: CatalogEvent,
  patch: Partial<Pick<NewEvent, 'source' | 'source_event_id' | 'sources'>>,
): EventSourceRef[] {
  const now = eventSources(current);
  if (patch.sources !== undefined)
    return sourcesOf({ sources: patch.sources, source: patch.source, source_event_id: patch.source_event_id });
  if (patch.source === undefined && patch.source_event_id === undefined) return now;
  const primary = {
    source: patch.source ?? now[0]!.source,
    source_event_id: patch.source_event_id ?? now[0]!.source_event_id,
  };
  return withPrimary(
    primary,
    now.filter((r) => r.source !== primary.source),
  );
}

/** One id per source: a second entry for a source would scrape it twice under one name. */
function checkSources(sources: readonly EventSourceRef[]): void {
  const seen = new Set<string>();
  for (const r of sources) {
    if (seen.has(r.source)) throw new ValidationError(`source ${r.source} is listed twice`, 'sources');
    seen.add(r.source);
  }
}
