// The engine-native ingest on the real broker, registry and chDB, in the cases that only it has:
// a record of the right length whose body ClickHouse rejects, in the middle of
// a 1,000-record range; and records of three schema versions (fields added to a listing, then to a
// zone, BACKWARD-compatible, registered in the real registry) in one topic.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../../lib/kafka/raw.ts';
import { DLQ_HEADERS, valueSubject } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { Listing, ListingSnapshot } from '../../lib/model.ts';
import { loadSchemaText } from '../../lib/registry/codec.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { computeSnapshotMetrics } from '../support/metrics-model/compute.ts';
import { TrailingMedians } from '../support/metrics-model/outliers.ts';
import { count, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { readHeaders } from '../support/read-topic.ts';

const T0 = Date.UTC(2026, 10, 25, 10);
// One embedded engine per process: both suites share its data path, with their own topics, groups
// and events.
const first = testConfig({ TWS_TOPIC_PARTITIONS: '1', TWS_BATCH_MAX_SNAPSHOTS: '1000' });
const second = testConfig({
  TWS_TOPIC_PARTITIONS: '1',
  TWS_CHDB_PATH: first.clickhouse.mode === 'embedded' ? first.clickhouse.path : '',
});

function snapshot(event: string, i: number, listings = 2): ListingSnapshot {
  const ls: Listing[] = Array.from({ length: listings }, (_, k) => ({
    listing_id: `${event}-${i}-${k}`,
    row: 'A',
    quantity: 2 + k,
    base_price_cents: 8_000 + 100 * ((i + k) % 7),
    all_in_price_cents: 9_600 + 120 * ((i + k) % 7),
    splits: k % 2 ? [2] : null,
  }));
  return {
    snapshot_id: `${event}-snap-${i}`,
    job_id: 'job',
    event_id: event,
    source: 'simulated',
    source_event_id: '1',
    scraped_at: T0 + i * 60_000,
    event_starts_at: T0 + 20 * 86_400_000,
    zones: [{ zone_id: 'z1', name: 'Floor', sections: [{ name: '101', listings: ls }] }],
    rejected: [],
  };
}

/** The snapshot's Avro body with its first listing's quantity 2^40, encoded as the long it would be. */
function oversizedQuantity(snap: ListingSnapshot): Buffer {
  const schema = JSON.parse(loadSchemaText('ListingSnapshot')) as Record<string, unknown>;
  const asLong = JSON.parse(
    JSON.stringify(schema).replace('"name":"quantity","type":"int"', '"name":"quantity","type":"long"'),
  );
  expect(asLong).not.toEqual(schema);
  const listings = snap.zones[0]!.sections[0]!.listings;
  listings[0] = { ...listings[0]!, quantity: 2 ** 40 };
  return avro.Type.forSchema(asLong as avro.Schema).toBuffer(snap);
}

describe('a record ClickHouse rejects, in the middle of a 1,000-record range', () => {
  const config = first;
  let env: Awaited<ReturnType<typeof setUpPipeline>>;
  let consumers: ConsumerService | undefined;
  const BAD = 500;

  beforeAll(async () => {
    env = await setUpPipeline(config);
    const topic = env.producer.topics.snapshots;
    const values = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => env.producer.codec.encode(topic, snapshot('evt-b', i))),
    );
    // Well-formed Avro that ClickHouse refuses: a quantity (an Avro int) written as a 41-bit
    // varint. JavaScript reads only its header and checks where it ends, so it passes to ClickHouse.
    values[BAD] = Buffer.concat([values[BAD]!.subarray(0, 5), oversizedQuantity(snapshot('evt-b', BAD))]);
    await sendRaw(
      env.kafka,
      topic,
      values.map((value) => ({ key: 'evt-b', value })),
    );
    consumers = await startConsumers({
      config,
      store: env.store,
      kafka: env.kafka,
      log: silentLogger,
      only: 'metrics',
    });
    await waitFor(
      'every record handled',
      async () => consumers!.metrics.stats.records + consumers!.metrics.stats.deadLettered >= 1000,
      120_000,
    );
  }, 240_000);

  afterAll(async () => {
    await consumers?.stop();
    await env?.producer.stop();
    await env?.store.close();
  });

  it('sends that record alone to the dead-letter topic, with the ClickHouse error', async () => {
    const [headers] = await readHeaders(env.kafka, env.producer.topics.deadLetter, 1);
    expect(headers![DLQ_HEADERS.reason]).toBe('rejected');
    expect(headers![DLQ_HEADERS.offset]).toBe(String(BAD));
    expect(headers![DLQ_HEADERS.error]).toMatch(/ClickHouse rejected the record/);
    expect(consumers!.metrics.stats.deadLettered).toBe(1);
    expect(consumers!.metrics.stats.bisections).toBeGreaterThan(0);
  });

  it('writes each of the other 999 exactly once, in every table', async () => {
    expect(await count(env.store, "SELECT count() AS n FROM snapshots WHERE event_id = 'evt-b'")).toBe(999);
    expect(await count(env.store, "SELECT uniqExact(snapshot_id) AS n FROM snapshots WHERE event_id = 'evt-b'")).toBe(
      999,
    );
    expect(await count(env.store, "SELECT count() AS n FROM zone_snapshots WHERE event_id = 'evt-b'")).toBe(999);
    expect(await count(env.store, "SELECT count() AS n FROM section_snapshots WHERE event_id = 'evt-b'")).toBe(999);
    expect(await count(env.store, "SELECT count() AS n FROM raw_listings WHERE event_id = 'evt-b'")).toBe(999 * 2);
    expect(await count(env.store, "SELECT sum(scrapes) AS n FROM zone_hourly WHERE event_id = 'evt-b'")).toBe(999);
    expect(await count(env.store, `SELECT count() AS n FROM snapshots WHERE snapshot_id = 'evt-b-snap-${BAD}'`)).toBe(
      0,
    );
  });
});

describe('schema evolution: v1, v2 and v3 records in one topic', () => {
  const config = second;
  let env: Awaited<ReturnType<typeof setUpPipeline>>;
  let consumers: ConsumerService | undefined;
  const snaps = Array.from({ length: 30 }, (_, i) => snapshot('evt-v', i, 4));
  const versionOf = (i: number) => (i % 3) + 1;

  /** v2: a listing gains an optional `seat_numbers`; v3: a zone gains an optional `capacity` too. */
  function schemaVersion(v: number): string {
    const s = JSON.parse(loadSchemaText('ListingSnapshot'));
    const zone = s.fields.find((f: { name: string }) => f.name === 'zones').type.items;
    const listing = zone.fields
      .find((f: { name: string }) => f.name === 'sections')
      .type.items.fields.find((f: { name: string }) => f.name === 'listings').type.items;
    if (v >= 2) listing.fields.push({ name: 'seat_numbers', type: ['null', 'string'], default: null });
    if (v >= 3) zone.fields.push({ name: 'capacity', type: ['null', 'int'], default: null });
    return JSON.stringify(s);
  }

  beforeAll(async () => {
    env = await setUpPipeline(config);
    const topic = env.producer.topics.snapshots;
    const registry = new SchemaRegistry({ host: config.registry.url });
    const ids: number[] = [];
    // Registered in order under the topic's subject: each must pass the registry's BACKWARD check.
    for (const v of [1, 2, 3]) {
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: schemaVersion(v) },
        { subject: valueSubject(topic) },
      );
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(3);
    const values = await Promise.all(
      snaps.map((s, i) => {
        const v = versionOf(i);
        const value =
          v === 1
            ? s
            : {
                ...s,
                zones: s.zones.map((z) => ({
                  ...z,
                  ...(v >= 3 ? { capacity: 500 } : {}),
                  sections: z.sections.map((sec) => ({
                    ...sec,
                    listings: sec.listings.map((l) => ({ ...l, seat_numbers: '1-4' })),
                  })),
                })),
              };
        return registry.encode(ids[v - 1]!, value);
      }),
    );
    await sendRaw(
      env.kafka,
      topic,
      values.map((value) => ({ key: 'evt-v', value })),
    );
    consumers = await startConsumers({
      config,
      store: env.store,
      kafka: env.kafka,
      log: silentLogger,
      only: 'metrics',
    });
    await waitFor('every record written', async () => consumers!.metrics.stats.records >= snaps.length, 120_000);
  }, 240_000);

  afterAll(async () => {
    await consumers?.stop();
    await env?.producer.stop();
    await env?.store.close();
  });

  it('ingests all of them, none dead-lettered', async () => {
    expect(consumers!.metrics.stats.deadLettered).toBe(0);
    expect(await count(env.store, "SELECT count() AS n FROM snapshots WHERE event_id = 'evt-v'")).toBe(snaps.length);
    expect(await count(env.store, "SELECT count() AS n FROM raw_listings WHERE event_id = 'evt-v'")).toBe(
      snaps.length * 4,
    );
  });

  it('computes the same zone metrics from every version as from the fields all versions share', async () => {
    const medians = new TrailingMedians();
    const rows = await env.store.query<Record<string, unknown>>(
      `SELECT snapshot_id, lowest_price_cents, median_price_cents, lowest_price_2_cents, total_tickets, total_listings
       FROM zone_snapshots WHERE event_id = 'evt-v' ORDER BY scraped_at`,
    );
    const byId = new Map(rows.map((r) => [r.snapshot_id, r]));
    for (const s of snaps) {
      const [z] = computeSnapshotMetrics(s, { medians }).zones;
      expect(byId.get(s.snapshot_id), s.snapshot_id).toEqual({
        snapshot_id: s.snapshot_id,
        lowest_price_cents: z!.lowest_price_cents,
        median_price_cents: z!.median_price_cents,
        lowest_price_2_cents: z!.lowest_price_2_cents,
        total_tickets: z!.total_tickets,
        total_listings: z!.total_listings,
      });
    }
  });
});
