// The listing sources a worker can use, keyed by the catalog's `source` field.
import type { Config } from '../lib/config.ts';
import { SlidingWindowRateLimiter } from '../producers/rate-limiter.ts';
import type { ListingSource } from '../producers/sources/source.ts';
import { VividSeatsSource } from '../producers/sources/vividseats.ts';

export function buildSources(config: Config, overrides: { simUrl?: string } = {}): Record<string, ListingSource> {
  // One limiter per process, keyed by host: N workers make N × the limit in total (docs/operations.md).
  const rateLimiter = new SlidingWindowRateLimiter({ limit: config.source.ratePerMinute });
  const common = { path: config.source.path, timeoutMs: config.source.timeoutMs, rateLimiter };
  const simUrl =
    overrides.simUrl ??
    (config.source.kind === 'simulated' && config.source.baseUrl
      ? config.source.baseUrl
      : `http://127.0.0.1:${config.sim.port}`);
  const vividUrl =
    config.source.kind === 'vividseats' && config.source.baseUrl ? config.source.baseUrl : 'https://www.vividseats.com';
  return {
    simulated: new VividSeatsSource({ ...common, name: 'simulated', baseUrl: simUrl }),
    vividseats: new VividSeatsSource({ ...common, name: 'vividseats', baseUrl: vividUrl }),
  };
}
