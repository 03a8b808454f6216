// The Vivid Seats adapter: one hermes listings request per event, read by the tolerant parser. The
// simulated marketplace speaks the same API, so it is this adapter too, under the name 'simulated'.
import { parseRejects } from '../../lib/metrics.ts';
import { fetchJson, type FetchJsonOptions } from '../http/fetch-json.ts';
import type { RateLimiter } from '../rate-limiter.ts';
import { HERMES_LISTINGS_PATH, parseHermes } from './hermes.ts';
import { SourceError, type FetchResult, type ListingSource } from './source.ts';

export interface VividSeatsSourceOptions {
  /** 'vividseats' or 'simulated': the `source` recorded on every snapshot. */
  name?: string;
  /** e.g. https://www.vividseats.com; the path is appended as is. */
  baseUrl: string;
  /** Default HERMES_LISTINGS_PATH. */
  path?: string;
  timeoutMs: number;
  rateLimiter: RateLimiter;
  /** Retry, backoff and test seams passed to fetchJson. */
  http?: Omit<FetchJsonOptions, 'rateLimiter' | 'timeoutMs' | 'signal'>;
}

export class VividSeatsSource implements ListingSource {
  readonly name: string;
  private readonly endpoint: URL;

  constructor(private readonly opts: VividSeatsSourceOptions) {
    this.name = opts.name ?? 'vividseats';
    this.endpoint = new URL(`${opts.baseUrl.replace(/\/+$/, '')}${opts.path ?? HERMES_LISTINGS_PATH}`);
  }

  async fetchListings(sourceEventId: string, signal?: AbortSignal): Promise<FetchResult> {
    const url = new URL(this.endpoint);
    url.searchParams.set('productionId', sourceEventId);
    const res = await fetchJson(url.href, {
      ...this.opts.http,
      rateLimiter: this.opts.rateLimiter,
      timeoutMs: this.opts.timeoutMs,
      signal,
    });
    let parsed;
    try {
      parsed = parseHermes(res.body);
    } catch (err) {
      throw err instanceof SourceError ? err.withCounts(res.attempts, res.retries, res.httpStatus) : err;
    }
    for (const { reason, count } of parsed.rejected) parseRejects.inc({ reason }, count);
    return {
      ...parsed,
      attempts: res.attempts,
      retries: res.retries,
      fetchedAt: res.fetchedAt,
      httpStatus: res.httpStatus,
    };
  }
}
