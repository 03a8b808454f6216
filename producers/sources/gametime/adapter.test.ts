import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRejects } from '../../../lib/metrics.ts';
import { SlidingWindowRateLimiter } from '../../rate-limiter.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../simulated/server.ts';
import { SourceError } from '../source.ts';
import type { GametimeSource } from './adapter.ts';
import { createListingSource } from './index.ts';

let sim: SimulatedMarketplace;
const rateLimiter = new SlidingWindowRateLimiter({ limit: 10_000 });
const quick = { attempts: 1 };

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 42, events: 2 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const rejectsCounted = async (reason: string) =>
  (await parseRejects.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

/** A fetch that answers every request with this body and content type. */
const answering =
  (body: string, type = 'application/json'): typeof fetch =>
  async () =>
    new Response(body, { status: 200, headers: { 'content-type': type } });

const source = (over: Partial<ConstructorParameters<typeof GametimeSource>[0]> = {}) =>
  createListingSource({ name: 'simulated-gametime', baseUrl: sim.url, timeoutMs: 2000, rateLimiter, ...over });

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

describe('GametimeSource', () => {
  it('fetches one event from the simulated Gametime API: zones are section groups, seats and lots come along', async () => {
    const production = sim.productions()[0]!;
    const before = Date.now();
    const result = await source().fetchListings(sim.gametimeEventId(production.productionId));
    expect(result).toMatchObject({ attempts: 1, retries: 0, httpStatus: 200, rejected: [] });
    expect(result.fetchedAt).toBeGreaterThanOrEqual(before);
    const zoneNames = new Set(production.zones.map((z) => z.name));
    expect(result.zones.length).toBeGreaterThan(0);
    for (const z of result.zones) {
      expect(zoneNames.has(z.name)).toBe(true);
      expect(z.zone_id).toBe(z.name);
    }
    const listings = result.zones.flatMap((z) => z.sections.flatMap((s) => s.listings));
    expect(listings.length).toBeGreaterThan(0);
    for (const l of listings) {
      expect(l.seats).toHaveLength(l.quantity);
      expect(l.splits!.every((n) => n >= 1 && n <= l.quantity)).toBe(true);
      expect(l.all_in_price_cents! > l.base_price_cents!).toBe(true);
    }
    expect(sim.stats().requests.at(-1)).toMatchObject({
      productionId: production.productionId,
      api: 'gametime',
      status: 200,
    });
  });

  it('reports an event the marketplace does not know as an http 404 SourceError', async () => {
    const err = await failure(source().fetchListings('0123456789abcdef01234567'));
    expect(err).toMatchObject({ kind: 'http', httpStatus: 404, attempts: 1 });
  });

  it('treats an HTML challenge page as blocked, from the simulator and from any host', async () => {
    const id = sim.gametimeEventId(sim.productions()[0]!.productionId);
    sim.setFaults([{ kind: 'html', api: 'gametime' }]);
    expect(await failure(source({ http: quick }).fetchListings(id))).toMatchObject({
      kind: 'blocked',
      httpStatus: 200,
    });
    // The same fault for the other API leaves this one alone.
    sim.setFaults([{ kind: 'html', api: 'hermes' }]);
    expect((await source().fetchListings(id)).httpStatus).toBe(200);
    const page = '<!DOCTYPE html><html><body>Checking your browser…</body></html>';
    for (const type of ['text/html', 'application/json']) {
      const err = await failure(
        source({ baseUrl: 'https://mobile.example', http: { ...quick, fetch: answering(page, type) } }).fetchListings(
          'e',
        ),
      );
      expect(err.kind).toBe('blocked');
    }
  });

  it('turns truncated JSON and a body of the wrong shape into parse errors with the fetch counts', async () => {
    const id = sim.gametimeEventId(sim.productions()[1]!.productionId);
    sim.setFaults([{ kind: 'malformed', api: 'gametime' }]);
    expect(await failure(source({ http: quick }).fetchListings(id))).toMatchObject({
      kind: 'parse',
      attempts: 1,
      httpStatus: 200,
    });
    for (const body of ['[1, 2, 3]', '{"listings": {"id": 1}}', '"listings"']) {
      const err = await failure(
        source({ baseUrl: 'https://mobile.example', http: { fetch: answering(body) } }).fetchListings('e'),
      );
      expect(err).toMatchObject({ kind: 'parse', attempts: 1, retries: 0, httpStatus: 200 });
    }
  });

  it('builds the URL from the base URL and path, and counts parser rejects in the metrics', async () => {
    const seen: string[] = [];
    const body = JSON.stringify({
      listings: [
        { id: 'a', section_group: 'Floor', section: 'A', lots: [2], price: { total: 1000 } },
        { id: 'b', section_group: 'Floor', section: 'A', lots: [0], price: { total: 1000 } },
        { id: 'c', section_group: 'Floor', section: 'A', lots: [2] },
        'junk',
      ],
    });
    const s = source({
      baseUrl: 'https://mobile.example/api/',
      path: '/v2/listings',
      http: {
        fetch: async (input, init) => {
          seen.push(String(input));
          return answering(body)(input, init);
        },
      },
    });
    const before = await Promise.all(['bad_quantity', 'missing_price', 'not_an_object'].map(rejectsCounted));
    const result = await s.fetchListings('66b0 & co');
    expect(seen).toEqual(['https://mobile.example/api/v2/listings?event_id=66b0+%26+co']);
    expect(result.rejected).toEqual([
      { reason: 'bad_quantity', count: 1 },
      { reason: 'missing_price', count: 1 },
      { reason: 'not_an_object', count: 1 },
    ]);
    const after = await Promise.all(['bad_quantity', 'missing_price', 'not_an_object'].map(rejectsCounted));
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1]);
    expect(s.name).toBe('simulated-gametime');
  });
});
