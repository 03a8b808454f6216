// The Gametime adapter: one mobile-API listings request per event (`/v1/listings?event_id=`), read
// by the tolerant parser. The simulated marketplace speaks the same API ('simulated-gametime').
import { fetchListingsJson } from '../fetch-listings.ts';
import type { FetchResult, ListingSource, ListingSourceOptions } from '../source.ts';
import { GAMETIME_LISTINGS_PATH, parseGametime } from './parser.ts';

export class GametimeSource implements ListingSource {
  readonly name: string;
  private readonly endpoint: URL;

  constructor(private readonly opts: ListingSourceOptions) {
    this.name = opts.name;
    this.endpoint = new URL(`${opts.baseUrl.replace(/\/+$/, '')}${opts.path ?? GAMETIME_LISTINGS_PATH}`);
  }

  fetchListings(sourceEventId: string, signal?: AbortSignal): Promise<FetchResult> {
    const url = new URL(this.endpoint);
    url.searchParams.set('event_id', sourceEventId);
    return fetchListingsJson(url, this.opts, parseGametime, signal);
  }
}
