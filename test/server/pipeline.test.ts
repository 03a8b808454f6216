// Server mode end to end: every role of the pipeline as its own process (`tws migrate | sim | api |
// consume | worker | scheduler`) against the official ClickHouse server image (with deploy/'s
// storage policy), Apache Kafka and the Apicurio registry in containers. ClickHouse fetches Avro
// schemas from the registry itself, at its address on the containers' network.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyRetention } from '../../lib/clickhouse/retention.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import { loadConfig } from '../../lib/config.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { sendRaw } from '../../lib/kafka/raw.ts';
import { DLQ_HEADERS } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import { uniqueId } from '../helpers/env.ts';
import type { LongRunning } from '../support/cli.ts';
import { count, produceSnapshots, waitFor } from '../support/pipeline.ts';
import { readHeaders } from '../support/read-topic.ts';
import { recomputeRollups, type ExpectedRollup } from '../support/recompute.ts';
import { knownStream } from '../support/stream.ts';
import { SKIPPED, roleEnv } from './support/specs.ts';
import { runTws, startRole, storeFor } from './support/roles.ts';

const server = inject('twsServer');
const KEY = 'server-suite-key-0123456789';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Recent data (three days ago), so that no TTL of the tables touches it whenever the suite runs.
const START = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR;
const stream = knownStream({ events: 2, hours: 30, scrapesPerHour: 2, start: START, seed: 21 });
const distinct = new Set(stream.map((s) => s.snapshot_id)).size;
const prefix = uniqueId('srv');

describe.skipIf(!server)(
  'server mode: the roles as processes against ClickHouse server, Kafka and the registry',
  () => {
    // The describe body runs (to collect the tests) even when the suite skips.
    const env = roleEnv(server ?? SKIPPED, {
      TWS_TOPIC_PREFIX: prefix,
      CLICKHOUSE_DATABASE: prefix,
      TWS_CONSUMER_GROUP: `${prefix}-metrics`,
      TWS_API_KEYS: KEY,
      TWS_API_PORT: '0',
      TWS_SIM_PORT: '0',
      TWS_SIM_EVENTS: '2',
      // Small enough that an hourly trend (30 points) is over it: the limit must not reach the API's reads.
      TWS_SQL_MAX_RESULT_ROWS: '5',
      TWS_ARCHIVE_AFTER_DAYS: '90',
      TWS_SCRAPE_INTERVAL_SECONDS: '3600',
      TWS_RATE_LIMIT_PER_MINUTE: '600',
    });
    const roles: LongRunning[] = [];
    let store: Store;
    let api = '';

    const http = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${api}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers },
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const start = (args: string[], extra: Record<string, string> = {}) => {
      const role = startRole(args, { ...env, ...extra });
      roles.push(role);
      return role;
    };

    beforeAll(async () => {
      store = await storeFor(env);
    });

    afterAll(async () => {
      await Promise.allSettled(roles.reverse().map((r) => r.stop('SIGTERM')));
      await store?.close();
    });

    it('applies the migrations twice: the second run changes nothing', async () => {
      const schema = () =>
        store.query<{ name: string; engine: string; q: string }>(
          'SELECT name, engine, create_table_query AS q FROM system.tables WHERE database = currentDatabase() ORDER BY name',
        );
      const first = await runTws(['migrate'], env);
      expect(first.code, first.stderr).toBe(0);
      const after1 = await schema();
      const second = await runTws(['migrate'], env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/schema up to date: \d+ migrations applied/);
      expect(await schema()).toEqual(after1);
      const [m] = await store.query<{ n: number; u: number }>(
        'SELECT count() AS n, uniqExact(version) AS u FROM schema_migrations',
      );
      expect(Number(m!.n)).toBe(Number(m!.u));
      expect(after1.find((t) => t.name === 'zone_snapshots')?.q).toContain("storage_policy = 'tws_tiered'");
    });

    it('runs a scrape job end to end: scheduler, worker, consumers and API as separate processes', async () => {
      const sim = start(['sim']);
      const simPort = (await sim.waitFor(/simulated marketplace on http:\/\/[^:\s]+:(\d+)/))[1];
      const apiRole = start(['api']);
      api = `http://127.0.0.1:${(await apiRole.waitFor(/API listening on http:\/\/[^:\s]+:(\d+)/))[1]}`;
      start(['consume']);
      start(['worker'], { TWS_SOURCE_BASE_URL: `http://127.0.0.1:${simPort}` });
      // The simulator's productions become tracked events through the API, as compose's seed does.
      const productions = (await (await fetch(`http://127.0.0.1:${simPort}/__sim/productions`)).json()) as Array<{
        productionId: string;
        name: string;
        venue: string;
        timezone: string;
        startsAt: number;
        capacity: number | null;
      }>;
      expect(productions.length).toBe(2);
      const ids: string[] = [];
      for (const p of productions) {
        const res = await waitFor('POST /v1/events', async () => {
          const r = await http('/v1/events', {
            method: 'POST',
            body: JSON.stringify({
              source: 'simulated',
              source_event_id: p.productionId,
              name: p.name,
              venue: p.venue,
              timezone: p.timezone,
              starts_at: new Date(p.startsAt).toISOString(),
              capacity: p.capacity,
            }),
          });
          return r.status === 503 ? undefined : r;
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        ids.push(res.body.event_id);
      }
      // The scheduler's first job starts at once and includes the events above.
      start(['scheduler']);
      await waitFor(
        'a finished scrape job',
        async () => (await http('/v1/jobs')).body?.jobs?.some((j: { status: string }) => j.status === 'success'),
        180_000,
      );
      for (const id of ids)
        await waitFor(
          `zones of ${id}`,
          async () => (await http(`/v1/events/${id}/zones`)).body?.zones?.length > 0,
          120_000,
        );
    });

    describe('trends on data the consumer process wrote', () => {
      beforeAll(async () => {
        for (const [id, capacity] of [
          ['evt-0', 2_000],
          ['evt-1', null],
        ] as const) {
          const res = await http('/v1/events', {
            method: 'POST',
            body: JSON.stringify({
              event_id: id,
              source: 'simulated',
              source_event_id: `known-${id}`,
              name: id,
              venue: 'Hall',
              timezone: 'UTC',
              starts_at: new Date(START + 10 * DAY).toISOString(),
              capacity,
            }),
          });
          expect(res.status, JSON.stringify(res.body)).toBe(201);
        }
        const config = loadConfig(env);
        const kafka = createKafka(config.kafka, silentLogger);
        const producer = new AvroProducer(kafka, config, ['snapshots']);
        await producer.start();
        await produceSnapshots(producer, stream);
        await producer.stop();
        // The views fill their tables one after the other within an insert, so zone_snapshots can
        // hold a snapshot before the rollups do: wait until both rollups count every zone snapshot.
        const caughtUp = `SELECT (SELECT uniqExact(snapshot_id) FROM zone_snapshots WHERE event_id IN ('evt-0', 'evt-1')) >= {distinct:UInt64}
            AND (SELECT count() FROM zone_snapshots WHERE event_id IN ('evt-0', 'evt-1'))
              = (SELECT sum(scrapes) FROM zone_hourly WHERE event_id IN ('evt-0', 'evt-1'))
            AND (SELECT count() FROM zone_snapshots WHERE event_id IN ('evt-0', 'evt-1'))
              = (SELECT sum(scrapes) FROM zone_daily WHERE event_id IN ('evt-0', 'evt-1')) AS n`;
        await waitFor(
          'the known stream in the rollups',
          async () => (await count(store, caughtUp, { distinct })) === 1,
          180_000,
        );
      }, 300_000);

      const range = `from=${new Date(START - DAY).toISOString()}&to=${new Date(START + 3 * DAY).toISOString()}`;
      const usd = (cents: number | null) => (cents === null ? null : Math.round(cents) / 100);
      const expected = (granularity: 'hourly' | 'daily', event: string, zone: string): ExpectedRollup[] =>
        recomputeRollups(stream, granularity === 'hourly' ? HOUR : DAY)
          .filter((r) => r.event_id === event && r.zone === zone)
          .sort((a, b) => a.start - b.start);
      const get = async (path: string) => {
        const res = await http(path);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body;
      };

      it.each(['hourly', 'daily'] as const)(
        '%s price, group-price and inventory trends and candles equal the recomputation',
        async (g) => {
          for (const [event, zone] of [
            ['evt-0', 'Floor'],
            ['evt-1', 'Lower'],
          ]) {
            const want = expected(g, event!, zone!);
            const got = await get(`/v1/events/${event}/price-trend?zone=${zone}&granularity=${g}&${range}`);
            expect(got.points.map((p: { t: string }) => Date.parse(p.t))).toEqual(want.map((w) => w.start));
            expect(got.points.map((p: { min_price: number }) => p.min_price)).toEqual(
              want.map((w) => usd(w.min_price_cents)),
            );
            got.points.forEach((p: { avg_price: number }, i: number) =>
              expect(p.avg_price).toBeCloseTo(want[i]!.avg_price_cents! / 100, 2),
            );
          }
          const group = expected(g, 'evt-0', 'Upper').filter((w) => w.min_price_4_cents !== null);
          const gp = await get(`/v1/events/evt-0/group-price-trend?zone=Upper&group_size=4&granularity=${g}&${range}`);
          expect(gp.points.map((p: { t: string; price: number }) => [Date.parse(p.t), p.price])).toEqual(
            group.map((w) => [w.start, usd(w.min_price_4_cents)]),
          );
          const inv = expected(g, 'evt-0', 'Lower');
          const inventory = await get(`/v1/events/evt-0/inventory-trend?zone=Lower&granularity=${g}&${range}`);
          expect(
            inventory.points.map((p: { tickets: number; listings: number; tickets_peak: number }) => [
              p.tickets,
              p.listings,
              p.tickets_peak,
            ]),
          ).toEqual(inv.map((w) => [w.tickets_last, w.listings_last, w.tickets_peak]));
          const candles = expected(g, 'evt-1', 'Floor').filter((w) => w.min_price_cents !== null);
          const c = await get(`/v1/events/evt-1/candles?zone=Floor&granularity=${g}&${range}`);
          expect(
            c.points.map((p: { t: string; open: number; low: number; close: number }) => [
              Date.parse(p.t),
              p.open,
              p.low,
              p.close,
            ]),
          ).toEqual(
            candles.map((w) => [w.start, usd(w.open_price_cents), usd(w.min_price_cents), usd(w.close_price_cents)]),
          );
        },
      );

      it('enforces the analyst SQL limits, and none of them leaks into the next request', async () => {
        const sql = (text: string) => http('/v1/sql', { method: 'POST', body: JSON.stringify({ sql: text }) });
        const tooMany = await sql('SELECT * FROM zone_snapshots LIMIT 50');
        expect(tooMany.status, JSON.stringify(tooMany.body)).toBe(400);
        expect(tooMany.body.error.code).toBe('SQL_LIMIT_EXCEEDED');
        expect((await sql("INSERT INTO events (event_id) VALUES ('x')")).status).toBe(403);
        expect((await sql('SELECT 1 AS one')).status).toBe(200);
        // The API's own reads and writes after the analyst's queries: more rows than the limit, and a write.
        const trend = await get(`/v1/events/evt-0/price-trend?zone=Floor&granularity=hourly&${range}`);
        expect(trend.points.length).toBeGreaterThan(5);
        const created = await http('/v1/events', {
          method: 'POST',
          body: JSON.stringify({
            source: 'simulated',
            source_event_id: 'after-sql',
            name: 'After SQL',
            venue: 'Hall',
            timezone: 'UTC',
            starts_at: new Date(START + 10 * DAY).toISOString(),
          }),
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        expect((await http(`/v1/events/${created.body.event_id}`)).status).toBe(200);
      });
    });

    it('sends a poison record to the dead-letter topic and writes the good record after it', async () => {
      const config = loadConfig(env);
      const kafka = createKafka(config.kafka, silentLogger);
      await ensureTopics(kafka, config.kafka, ['snapshots', 'deadLetter']);
      const producer = new AvroProducer(kafka, config, ['snapshots']);
      await producer.start();
      const good = { ...stream[0]!, event_id: 'evt-poison', snapshot_id: uniqueId('after-poison-') };
      await sendRaw(kafka, producer.topics.snapshots, [
        { key: good.event_id, value: Buffer.from([1, 2, 3, 4, 5, 6, 7]) },
      ]);
      await produceSnapshots(producer, [good]);
      await producer.stop();
      // Other records may be dead-lettered too (the scrapes of the first test): wait for this one.
      const decode = await waitFor(
        'the poison record in the dead-letter topic',
        async () =>
          (await readHeaders(kafka, producer.topics.deadLetter, 1, 10_000)).find(
            (h) => h[DLQ_HEADERS.reason] === 'decode' && h[DLQ_HEADERS.topic] === producer.topics.snapshots,
          ),
        120_000,
      );
      expect(decode[DLQ_HEADERS.error]!.length).toBeGreaterThan(5);
      await waitFor(
        'the record after the poison',
        async () =>
          (await count(store, 'SELECT count() AS n FROM snapshots WHERE snapshot_id = {id:String}', {
            id: good.snapshot_id,
          })) === 1,
        120_000,
      );
    });

    it('moves parts past TWS_ARCHIVE_AFTER_DAYS to the archive volume of the storage policy', async () => {
      // The roles applied the configured age at start-up; applying it again changes nothing.
      expect(await applyRetention(store, loadConfig(env).retention)).not.toContain('zone_snapshots');
      const [ttl] = await store.query<{ q: string }>(
        "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'zone_snapshots'",
      );
      expect(ttl!.q).toContain('toIntervalDay(90)');
      const now = Date.now();
      const at = (t: number) => new Date(t).toISOString().replace('T', ' ').replace('Z', '');
      await store.command(
        `INSERT INTO zone_snapshots (event_id, scraped_at, snapshot_id, zone_id, zone) VALUES
       ('ttl-e', '${at(now - 200 * DAY)}', 'ttl-old', 'z', 'Floor'), ('ttl-e', '${at(now - DAY)}', 'ttl-new', 'z', 'Floor')`,
      );
      await store.command('ALTER TABLE zone_snapshots MATERIALIZE TTL', undefined, { mutations_sync: '2' });
      // Partitions are months: the old row's partition holds only it.
      const month = (t: number) => new Date(t).toISOString().slice(0, 7).replace('-', '');
      const disks = async (t: number) =>
        (
          await store.query<{ disk_name: string }>(
            `SELECT DISTINCT disk_name FROM system.parts
           WHERE database = currentDatabase() AND table = 'zone_snapshots' AND active AND partition = {p:String}`,
            { p: month(t) },
          )
        ).map((r) => r.disk_name);
      expect(await disks(now - 200 * DAY)).toEqual(['tws_archive']);
      expect(await disks(now - DAY)).not.toContain('tws_archive');
      expect(await count(store, "SELECT count() AS n FROM zone_snapshots WHERE event_id = 'ttl-e'")).toBe(2);
    });
  },
);
