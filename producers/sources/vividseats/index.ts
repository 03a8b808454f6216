// The Vivid Seats source (lib/sources/registry.ts names this folder): what bin/sources.ts builds.
import type { CreateListingSource } from '../source.ts';
import { VividSeatsSource } from './adapter.ts';

export const createListingSource: CreateListingSource = (opts) => new VividSeatsSource(opts);
