// The `partial` fault: a 200 answer that lists only some of the listings while its summary still
// counts them all, as a filtered or cut-short marketplace response does. The listing lifecycle must
// not diff such a snapshot (it would take the missing listings for sales): the scraper reads the
// announced count (hermes global[0].listingCount, Gametime meta.count) and the consumer skips the snapshot.
import type { GametimeBody } from './gametime.ts';
import type { HermesBody } from './market.ts';

/** Every third listing is left out; the announced counts stay those of the full answer. */
const keep = (_: unknown, i: number) => i % 3 !== 1;

export function partialBody(body: HermesBody | GametimeBody): HermesBody | GametimeBody {
  if ('tickets' in body) return { ...body, tickets: body.tickets.filter(keep) };
  return { ...body, listings: body.listings.filter(keep) };
}
