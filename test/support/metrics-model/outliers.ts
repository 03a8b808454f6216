// The fat-finger guard: a listing priced under a fraction of its zone's recent median is flagged.
// SeatGeek once showed a $17 get-in against a ~$3,300 market; TicketWave drops prices under 25% of
// the 24-hour median. The reference is a median of per-scrape medians, so one odd scrape (or one
// odd listing) cannot drag it.
import { median } from './median.ts';

export const DAY_MS = 86_400_000;
export const DEFAULT_OUTLIER_RATIO = 0.25;

/** The key of one zone's median series. The runner must use the same key to rebuild the state. */
export const zoneKey = (eventId: string, zoneId: string): string => `${eventId}|${zoneId}`;

/** True when `priceCents` is under `ratio` × `referenceCents`; never with no reference. */
export const isOutlier = (
  priceCents: number,
  referenceCents: number | null,
  ratio: number = DEFAULT_OUTLIER_RATIO,
): boolean => referenceCents !== null && priceCents < ratio * referenceCents;

/** Plain, JSON-safe state: per key, [scrapedAtMs, median] pairs in time order. */
export interface TrailingMediansState {
  series: Array<[key: string, observations: Array<[atMs: number, median: number]>]>;
}

/**
 * Per-zone medians observed at each scrape, and the median of those within a trailing window.
 *
 * `reference(key, at)` looks at (at − window, at] only, never at later observations, so replaying
 * an old snapshot gives the same answer it gave the first time (as long as nothing in its window
 * was evicted). Observing the same (key, at) again replaces the value: a redelivered batch does
 * not count a scrape twice.
 */
export class TrailingMedians {
  readonly windowMs: number;
  // Per key, observations sorted by time; scrapes arrive mostly in order, so inserts are appends.
  #series = new Map<string, Array<[number, number]>>();

  constructor(opts: { windowMs?: number } = {}) {
    this.windowMs = opts.windowMs ?? DAY_MS;
    if (!(this.windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${this.windowMs}`);
  }

  observe(key: string, atMs: number, medianCents: number): void {
    if (!Number.isFinite(atMs) || !Number.isFinite(medianCents)) return;
    let obs = this.#series.get(key);
    if (!obs) this.#series.set(key, (obs = []));
    let i = obs.length;
    while (i > 0 && obs[i - 1]![0] > atMs) i--;
    if (i > 0 && obs[i - 1]![0] === atMs) obs[i - 1]![1] = medianCents;
    else obs.splice(i, 0, [atMs, medianCents]);
  }

  /** Median of the medians observed for `key` with time in (atMs − window, atMs]; null if none. */
  reference(key: string, atMs: number): number | null {
    const obs = this.#series.get(key);
    if (!obs) return null;
    const from = atMs - this.windowMs;
    const values: number[] = [];
    for (let i = obs.length - 1; i >= 0; i--) {
      const [at, m] = obs[i]!;
      if (at <= from) break;
      if (at <= atMs) values.push(m);
    }
    return median(values);
  }

  /** Forgets observations made before `olderThanMs` (bounds memory; keep at least one window). */
  evict(olderThanMs: number): void {
    for (const [key, obs] of this.#series) {
      let n = 0;
      while (n < obs.length && obs[n]![0] < olderThanMs) n++;
      if (n === obs.length) this.#series.delete(key);
      else if (n > 0) obs.splice(0, n);
    }
  }

  get size(): number {
    return this.#series.size;
  }

  snapshotState(): TrailingMediansState {
    return {
      series: [...this.#series].map(([key, obs]) => [key, obs.map(([at, m]) => [at, m] as [number, number])]),
    };
  }

  /** Replaces the contents with `state`. */
  restore(state: TrailingMediansState): void {
    this.#series.clear();
    for (const [key, obs] of state.series) for (const [at, m] of obs) this.observe(key, at, m);
  }
}
