// The Vivid Seats adapter: one hermes listings request per event, read by the tolerant parser. The
// simulated marketplace speaks the same API, so it is this adapter too, under the name 'simulated'.
import type { RateLimiter } from '../../rate-limiter.ts';
import { fetchListingsJson } from '../fetch-listings.ts';
import type { FetchResult, ListingSource, ListingSourceOptions } from '../source.ts';
import { HERMES_LISTINGS_PATH, parseHermes } from './hermes.ts';

export interface VividSeatsSourceOptions extends Omit<ListingSourceOptions, 'name'> {
  /** The `source` recorded on every snapshot; default 'vividseats'. */
  name?: string;
  rateLimiter: RateLimiter;
}

export class VividSeatsSource implements ListingSource {
  readonly name: string;
  private readonly endpoint: URL;
  private readonly opts: ListingSourceOptions;

  constructor(opts: VividSeatsSourceOptions) {
    this.opts = { ...opts, name: opts.name ?? 'vividseats' };
    this.name = this.opts.name;
    this.endpoint = new URL(`${opts.baseUrl.replace(/\/+$/, '')}${opts.path ?? HERMES_LISTINGS_PATH}`);
  }

  fetchListings(sourceEventId: string, signal?: AbortSignal): Promise<FetchResult> {
    const url = new URL(this.endpoint);
    url.searchParams.set('productionId', sourceEventId);
    return fetchListingsJson(url, this.opts, parseHermes, signal);
  }
}
