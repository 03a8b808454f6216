// Backfill's output against what it says it makes (producers/backfill.ts): "snapshots of the past
// hours, taken straight from the simulation … and published exactly like scraped ones". With a real
// simulated market (a pure function of seed and time) and a producer that records what it is given,
// no broker: one snapshot per event per step over [now − hours, now), each keyed by its event on the
// snapshots topic, valid against schemas/ListingSnapshot.avsc, and holding the market's listings of
// that moment, checked against the market's own summary of its body, not against the parser.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { TopicKey } from '../lib/kafka/topics.ts';
import type { CatalogEvent, ListingSnapshot } from '../lib/model.ts';
import { loadSchemaText } from '../lib/registry/codec.ts';
import { backfillFromSimulation } from './backfill.ts';
import { gametimeEventId, gametimeView } from './sources/simulated/gametime.ts';
import { createMarket, type Market } from './sources/simulated/market.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const snapshotType = avro.Type.forSchema(JSON.parse(loadSchemaText('ListingSnapshot')) as avro.Schema);

/** Records every send: its topic and records, in order. */
class RecordingProducer {
  readonly sends: Array<{ topic: TopicKey; records: Array<{ key: string; value: ListingSnapshot }> }> = [];
  async send(topic: TopicKey, records: Array<{ key: string; value: ListingSnapshot }>): Promise<void> {
    this.sends.push({ topic, records: records.map((r) => ({ ...r })) });
  }
  snapshots(): ListingSnapshot[] {
    return this.sends.flatMap((s) => s.records.map((r) => r.value));
  }
}

function catalogEvents(market: Market): CatalogEvent[] {
  return market.productions.map((p, i) => ({
    event_id: `simulated-${p.productionId}`,
    source: 'simulated',
    source_event_id: p.productionId,
    name: p.name,
    venue: p.venue,
    timezone: p.timezone,
    starts_at: p.startsAt,
    capacity: p.capacity,
    active: true,
    created_at: NOW,
    updated_at: NOW,
    version: i + 1,
  }));
}

const SEED = 11;

/** The same events on both simulated marketplaces, as `tws up` seeds them (the hermes one first). */
const onBothSources = (events: CatalogEvent[]): CatalogEvent[] =>
  events.map((e) => ({
    ...e,
    sources: [
      { source: 'simulated', source_event_id: e.source_event_id },
      { source: 'simulated-gametime', source_event_id: gametimeEventId(SEED, e.source_event_id) },
    ],
  }));

async function run(opts: { hours: number; stepMinutes?: number; events?: number; twoSources?: boolean }) {
  const market = createMarket({ seed: SEED, events: opts.events ?? 3, now: NOW - 10 * 24 * HOUR });
  const events = opts.twoSources ? onBothSources(catalogEvents(market)) : catalogEvents(market);
  const producer = new RecordingProducer();
  const progress: Array<[number, number]> = [];
  const returned = await backfillFromSimulation({
    market,
    events,
    producer: producer as unknown as AvroProducer,
    hours: opts.hours,
    seed: SEED,
    stepMinutes: opts.stepMinutes,
    now: NOW,
    onProgress: (done, total) => progress.push([done, total]),
  });
  return { market, events, producer, progress, returned };
}

describe('backfillFromSimulation', () => {
  it('makes one snapshot per event every 30 minutes over [now − hours, now), one send per moment', async () => {
    const { events, producer, progress, returned } = await run({ hours: 3 });
    // Worked out by hand: 3 h at 30 min is 6 moments, the first 3 h ago, the last 30 min ago.
    const moments = [180, 150, 120, 90, 60, 30].map((m) => NOW - m * MINUTE);
    expect(producer.sends.map((s) => s.topic)).toEqual(moments.map(() => 'snapshots'));
    producer.sends.forEach((s, i) => {
      expect(s.records.map((r) => r.value.scraped_at)).toEqual(events.map(() => moments[i]));
      expect(s.records.map((r) => r.value.event_id)).toEqual(events.map((e) => e.event_id));
    });
    expect(returned).toBe(18);
    expect(progress).toEqual([
      [3, 18],
      [6, 18],
      [9, 18],
      [12, 18],
      [15, 18],
      [18, 18],
    ]);
  });

  it('honours stepMinutes', async () => {
    const { producer } = await run({ hours: 1, stepMinutes: 20, events: 1 });
    expect(producer.snapshots().map((s) => NOW - s.scraped_at)).toEqual([60, 40, 20].map((m) => m * MINUTE));
  });

  it('publishes like a scrape: keyed by event, one job for the run, fresh snapshot ids, valid Avro', async () => {
    const { events, producer } = await run({ hours: 2 });
    const records = producer.sends.flatMap((s) => s.records);
    for (const r of records) expect(r.key).toBe(r.value.event_id);
    const snaps = records.map((r) => r.value);
    const jobIds = new Set(snaps.map((s) => s.job_id));
    expect(jobIds.size).toBe(1);
    expect([...jobIds][0]).toMatch(new RegExp(`^backfill-${UUID.source.slice(1, -1)}$`));
    expect(new Set(snaps.map((s) => s.snapshot_id)).size).toBe(snaps.length);
    for (const s of snaps) expect(s.snapshot_id).toMatch(UUID);
    const byId = new Map(events.map((e) => [e.event_id, e]));
    for (const s of snaps) {
      const e = byId.get(s.event_id)!;
      expect(s).toMatchObject({
        source: 'simulated',
        source_event_id: e.source_event_id,
        event_starts_at: e.starts_at,
      });
      const errors: string[] = [];
      const valid = snapshotType.isValid(s, { errorHook: (path) => errors.push(path.join('.')) });
      expect(valid, `not a valid ListingSnapshot at ${errors.join(', ')}`).toBe(true);
    }
  });

  it("holds the market's listings of that moment: ids, quantities and the lowest all-in price of its summary", async () => {
    const { market, producer } = await run({ hours: 2 });
    let listings = 0;
    let summed = 0;
    for (const s of producer.snapshots()) {
      const body = market.listingsAt(s.source_event_id, s.scraped_at)!;
      const all = s.zones.flatMap((z) => z.sections.flatMap((sec) => sec.listings));
      const rejected = s.rejected.reduce((n, r) => n + r.count, 0);
      const where = `${s.event_id} at ${new Date(s.scraped_at).toISOString()}`;
      // Every ticket of the body is a listing of the snapshot or counted as rejected.
      expect(all.length + rejected, where).toBe(Number(body.global[0]!.listingCount));
      expect(new Set(all.map((l) => l.listing_id)).size, where).toBe(all.length);
      for (const l of all)
        expect(
          body.tickets.map((t) => t.i),
          where,
        ).toContain(l.listing_id);
      if (rejected === 0) {
        expect(
          all.reduce((n, l) => n + l.quantity, 0),
          where,
        ).toBe(Number(body.global[0]!.ticketCount));
        const lowest = Math.min(...all.map((l) => l.all_in_price_cents!));
        if (all.length) expect(lowest, where).toBe(Math.round(Number(body.global[0]!.lowestAip) * 100));
        summed++;
      }
      // Each listing sits in the zone the market put its ticket in.
      const zoneOf = new Map(body.tickets.map((t) => [t.i, t.c]));
      for (const z of s.zones)
        for (const sec of z.sections)
          for (const l of sec.listings) {
            expect(zoneOf.get(l.listing_id), where).toBe(z.zone_id);
          }
      listings += all.length;
    }
    expect(listings, 'the market had listings to backfill').toBeGreaterThan(100);
    expect(summed, 'snapshots without rejections, checked against the summary').toBeGreaterThan(0);
  });

  it("makes one snapshot per source of an event on both simulated marketplaces, each holding that API's listings", async () => {
    const { market, events, producer, progress, returned } = await run({ hours: 1, twoSources: true });
    const gametime = gametimeView(SEED, market);
    // 2 moments × 3 events × 2 sources.
    expect(returned).toBe(12);
    expect(progress).toEqual([
      [6, 12],
      [12, 12],
    ]);
    for (const send of producer.sends) {
      expect(send.records.map((r) => [r.key, r.value.source, r.value.source_event_id])).toEqual(
        events.flatMap((e) => e.sources!.map((s) => [e.event_id, s.source, s.source_event_id])),
      );
    }
    let crossListed = 0;
    for (const s of producer.snapshots().filter((x) => x.source === 'simulated-gametime')) {
      const body = gametime.listingsAt(s.source_event_id, s.scraped_at)!;
      const all = s.zones.flatMap((z) => z.sections.flatMap((sec) => sec.listings));
      const where = `${s.event_id} at ${new Date(s.scraped_at).toISOString()}`;
      expect(all.length + s.rejected.reduce((n, r) => n + r.count, 0), where).toBe(body.listings.length);
      const bodyIds = new Set(body.listings.map((l) => l.id));
      expect(new Set(all.map((l) => l.listing_id)).size, where).toBe(all.length);
      expect(
        all.filter((l) => !bodyIds.has(l.listing_id)),
        where,
      ).toEqual([]);
      expect(s.expected_listings, where).toBe(body.meta.count);
      // The same inventory as the hermes snapshot of that moment: listings `gt-<hermes id>`.
      const hermes = producer
        .snapshots()
        .find((x) => x.source === 'simulated' && x.event_id === s.event_id && x.scraped_at === s.scraped_at)!;
      const hermesIds = new Set(
        hermes.zones.flatMap((z) => z.sections.flatMap((sec) => sec.listings.map((l) => l.listing_id))),
      );
      crossListed += all.filter((l) => hermesIds.has(l.listing_id.replace(/^gt-/, ''))).length;
      const errors: string[] = [];
      expect(snapshotType.isValid(s, { errorHook: (path) => errors.push(path.join('.')) }), errors.join(', ')).toBe(
        true,
      );
    }
    expect(crossListed, 'listings on both sites').toBeGreaterThan(0);
  });

  it('makes nothing for zero hours', async () => {
    const { producer, returned, progress } = await run({ hours: 0 });
    expect(producer.sends).toEqual([]);
    expect(returned).toBe(0);
    expect(progress).toEqual([]);
  });
});
