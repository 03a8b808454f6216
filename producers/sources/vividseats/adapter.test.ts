import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRejects } from '../../../lib/metrics.ts';
import { SlidingWindowRateLimiter } from '../../rate-limiter.ts';
import { startSimulatedMarketplace, type SimulatedMarketplace } from '../simulated/server.ts';
import { SourceError } from '../source.ts';
import { VividSeatsSource } from './adapter.ts';

let sim: SimulatedMarketplace;
const rateLimiter = new SlidingWindowRateLimiter({ limit: 10_000 });

beforeAll(async () => {
  sim = await startSimulatedMarketplace({ port: 0, seed: 42, events: 2 });
});
afterAll(() => sim.close());

const rejectsCounted = async (reason: string) =>
  (await parseRejects.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

/** A fetch that answers every request with this JSON body. */
const answering =
  (body: unknown): typeof fetch =>
  async () =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('VividSeatsSource', () => {
  it('fetches and parses one production from the simulated marketplace', async () => {
    const source = new VividSeatsSource({ name: 'simulated', baseUrl: `${sim.url}/`, timeoutMs: 2000, rateLimiter });
    const before = Date.now();
    const result = await source.fetchListings('5000001');
    expect(source.name).toBe('simulated');
    expect(result).toMatchObject({ attempts: 1, retries: 0, httpStatus: 200, rejected: [] });
    expect(result.fetchedAt).toBeGreaterThanOrEqual(before);
    const production = sim.productions()[0]!;
    expect(result.zones.map((z) => [z.zone_id, z.name])).toEqual(production.zones.map((z) => [z.id, z.name]));
    const known = new Set(production.zones.flatMap((z) => z.sections));
    expect(result.zones.flatMap((z) => z.sections.map((s) => s.name)).filter((s) => !known.has(s))).toEqual([]);
    const listings = result.zones.flatMap((z) => z.sections.flatMap((s) => s.listings));
    expect(listings.length).toBeGreaterThan(0);
    expect(listings.every((l) => Number.isInteger(l.all_in_price_cents) && l.quantity >= 1)).toBe(true);
    expect(sim.stats().requests.at(-1)).toMatchObject({ productionId: '5000001', status: 200 });
  });

  it('reports a production the marketplace does not know as an http 404 SourceError', async () => {
    const source = new VividSeatsSource({ baseUrl: sim.url, timeoutMs: 2000, rateLimiter });
    expect(source.name).toBe('vividseats');
    const err = await source.fetchListings('42').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ kind: 'http', httpStatus: 404, attempts: 1 });
  });

  it('builds the URL from baseUrl and path, and counts parser rejects in the metrics', async () => {
    const seen: string[] = [];
    const body = {
      groups: [{ i: '1', n: 'Floor' }],
      tickets: [{ i: 'a', c: '1', s: 'A', q: '2', p: '10' }, { i: 'b', c: '1', s: 'A', q: '0', p: '10' }, 'junk'],
    };
    const source = new VividSeatsSource({
      baseUrl: 'https://market.example/api',
      path: '/v2/listings',
      timeoutMs: 2000,
      rateLimiter,
      http: {
        fetch: async (input, init) => {
          seen.push(String(input));
          return answering(body)(input, init);
        },
      },
    });
    const [badQ, notObj] = [await rejectsCounted('bad_quantity'), await rejectsCounted('not_an_object')];
    const result = await source.fetchListings('77 & co');
    expect(seen).toEqual(['https://market.example/api/v2/listings?productionId=77+%26+co']);
    expect(result.rejected).toEqual([
      { reason: 'bad_quantity', count: 1 },
      { reason: 'not_an_object', count: 1 },
    ]);
    expect(await rejectsCounted('bad_quantity')).toBe(badQ + 1);
    expect(await rejectsCounted('not_an_object')).toBe(notObj + 1);
  });

  it('turns a JSON body of the wrong shape into a parse SourceError with the fetch counts', async () => {
    const source = new VividSeatsSource({
      baseUrl: 'https://market.example',
      timeoutMs: 2000,
      rateLimiter,
      http: { fetch: answering([1, 2, 3]) },
    });
    const err = await source.fetchListings('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ kind: 'parse', attempts: 1, retries: 0, httpStatus: 200 });
  });
});
