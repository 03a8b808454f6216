// The listing sources a worker can use: one per entry of the registry (lib/sources/registry.ts),
// built by its adapter folder (producers/sources/<adapter>/index.ts, loaded by that convention so a
// new marketplace needs no line here), each with its own settings and its own rate limiter.
import { ConfigError } from '../lib/errors.ts';
import type { Config } from '../lib/config.ts';
import { SOURCES } from '../lib/sources/registry.ts';
import { SlidingWindowRateLimiter } from '../producers/rate-limiter.ts';
import type { CreateListingSource, ListingSource } from '../producers/sources/source.ts';

/** The factory of an adapter folder; a registry entry naming a folder without one is a start-up error. */
export async function adapterFactory(adapter: string): Promise<CreateListingSource> {
  const mod: { createListingSource?: unknown } = await import(`../producers/sources/${adapter}/index.ts`).catch(
    (err: unknown) => {
      throw new ConfigError(
        `source adapter "${adapter}": producers/sources/${adapter}/index.ts cannot be loaded (${String(err)})`,
      );
    },
  );
  if (typeof mod.createListingSource !== 'function')
    throw new ConfigError(
      `source adapter "${adapter}": producers/sources/${adapter}/index.ts exports no createListingSource`,
    );
  return mod.createListingSource as CreateListingSource;
}

export async function buildSources(
  config: Config,
  overrides: { simUrl?: string } = {},
): Promise<Record<string, ListingSource>> {
  const out: Record<string, ListingSource> = {};
  for (const entry of SOURCES) {
    const s = config.sources[entry.name];
    const create = await adapterFactory(entry.adapter);
    out[entry.name] = create({
      name: entry.name,
      baseUrl: s.onSimulator && overrides.simUrl ? overrides.simUrl : s.baseUrl,
      ...(s.path !== undefined && { path: s.path }),
      timeoutMs: s.timeoutMs,
      // One limiter per source and process: N workers make N × the limit in total (docs/operations.md).
      rateLimiter: new SlidingWindowRateLimiter({ limit: s.ratePerMinute }),
    });
  }
  return out;
}
