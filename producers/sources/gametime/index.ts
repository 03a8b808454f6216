// The Gametime source (lib/sources/registry.ts names this folder): what bin/sources.ts builds.
import type { CreateListingSource } from '../source.ts';
import { GametimeSource } from './adapter.ts';

export const createListingSource: CreateListingSource = (opts) => new GametimeSource(opts);
