// Phase 4: freshness. One embedded process as `tws up` runs it (consumers and API on one chDB),
// default batching. Snapshots are produced at a steady rate with scraped_at = the moment they are
// sent (the scrape); pollers ask the API for each event's latest zones (GET /v1/events/{id}/zones)
// and note when a zone's scraped_at reaches the snapshot's. Freshness = visible − scraped_at.
import { join } from 'node:path';
import { EventCatalog, catalogRow } from '../../lib/catalog/catalog.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import { createStore } from '../../lib/clickhouse/store.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, deleteTopicsWithPrefix, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot } from '../../lib/model.ts';
import { createApp } from '../../api/app.ts';
import { startApi } from '../../api/server.ts';
import { startConsumers } from '../../consumers/service.ts';
import { note, phaseMain } from '../lib/child.ts';
import { snapshotAt, type DatasetSpec } from '../lib/dataset.ts';
import { benchConfig, peakRssMiB, tempDir } from '../lib/env.ts';
import { ingestLanesBesideApi } from '../../lib/config.ts';
import { quiesce } from '../lib/quiesce.ts';
import { round, sleep, summarize } from '../lib/stats.ts';

const POLL_MS = 50;

phaseMain(async () => {
  const prefix = process.env.BENCH_PREFIX ?? 'bench-fresh';
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const rate = Number(process.env.BENCH_RATE ?? 5);
  const eventsN = rate; // each event is scraped once a second
  // API and consumers in one process, as `tws up` runs them (one ingest lane unless set).
  const config = ingestLanesBesideApi(
    benchConfig({
      prefix,
      chdbPath: join(tempDir('fresh'), 'chdb'),
      env: { TWS_API_PORT: '0', TWS_API_RATE_LIMIT_PER_MINUTE: '100000000' },
    }),
  );
  const kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka);
  const store = await createStore(config.clickhouse);
  await ensureSchema(store);
  // The data set's shape (200 listings per snapshot), events registered in the catalog.
  const spec: DatasetSpec = {
    snapshots: 1_000_000,
    events: eventsN,
    zones: 5,
    sectionsPerZone: 4,
    listingsPerSection: 10,
    seed: 11,
    intervalMs: 1000,
    endAt: Date.now(),
  };
  const now = Date.now();
  await store.insert(
    'events',
    Array.from({ length: eventsN }, (_, e) => {
      const s = snapshotAt(spec, e);
      return catalogRow({
        event_id: s.event_id,
        source: 'simulated',
        source_event_id: s.source_event_id,
        name: `Freshness ${e}`,
        venue: 'Bench Arena',
        timezone: 'UTC',
        starts_at: now + 30 * 86_400_000,
        capacity: 20_000,
        active: true,
        created_at: now,
        updated_at: now,
        version: now,
      });
    }),
  );
  const svc = await startConsumers({ config, store, kafka, log: silentLogger, only: 'metrics' });
  const app = createApp({ store, config: config.api, catalog: new EventCatalog({ store }) });
  const server = await startApi(app, { host: '127.0.0.1', port: 0 });
  const producer = new AvroProducer(kafka, config, ['snapshots']);
  await producer.start();

  // Snapshots waiting to be seen, per event, in scrape order.
  const pending = new Map<string, Array<{ at: number; measured: boolean }>>();
  const freshness: number[] = [];
  const produceMs: number[] = [];
  let stopPolling = false;
  const poll = async (eventId: string) => {
    while (!stopPolling) {
      const t0 = Date.now();
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/v1/events/${encodeURIComponent(eventId)}/zones`);
        const body = (await res.json()) as { zones?: Array<{ scraped_at: string }> };
        const seenAt = Date.now();
        const latest = Math.max(0, ...(body.zones ?? []).map((z) => Date.parse(z.scraped_at)));
        const list = pending.get(eventId) ?? [];
        while (list.length > 0 && list[0]!.at <= latest) {
          const p = list.shift()!;
          if (p.measured) freshness.push(seenAt - p.at);
        }
      } catch {
        // the API answered 404 before the event's first scrape landed; keep polling
      }
      await sleep(Math.max(0, POLL_MS - (Date.now() - t0)));
    }
  };
  const send = async (i: number, measured: boolean) => {
    const base = snapshotAt(spec, i);
    const at = Date.now();
    const s: ListingSnapshot = { ...base, snapshot_id: `${prefix}-${i}`, scraped_at: at };
    const list = pending.get(s.event_id) ?? [];
    pending.set(s.event_id, list);
    list.push({ at, measured });
    await producer.send('snapshots', [{ key: s.event_id, value: s }]);
    produceMs.push(Date.now() - at);
  };

  const events = [...new Set(Array.from({ length: eventsN }, (_, e) => snapshotAt(spec, e).event_id))];
  const pollers = events.map((e) => poll(e));
  // Warm-up: one scrape per event, not measured (partition loads, first inserts, JIT).
  for (let e = 0; e < eventsN; e++) await send(e, false);
  const warmDeadline = Date.now() + 60_000;
  while ([...pending.values()].some((l) => l.length > 0)) {
    if (Date.now() > warmDeadline) throw new Error('warm-up snapshots never became visible');
    await sleep(50);
  }
  note('freshness', `warm; producing ${rate} snapshots/s for ${seconds} s`);
  const t0 = Date.now();
  const total = Math.round(seconds * rate);
  let late = 0;
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -200) late++;
    void send(eventsN + k, true);
  }
  const drainDeadline = Date.now() + 60_000;
  while ([...pending.values()].some((l) => l.length > 0) && Date.now() < drainDeadline) await sleep(50);
  const unseen = [...pending.values()].reduce((n, l) => n + l.length, 0);
  stopPolling = true;
  await Promise.all(pollers);
  const peakRss = peakRssMiB();
  const runner = { ...svc.metrics.stats };
  await producer.stop();
  await svc.stop();
  await server.close();
  await quiesce(store);
  await store.close();
  await deleteTopicsWithPrefix(kafka, prefix).catch(() => {});
  return {
    rate,
    seconds,
    snapshots: total,
    listingsPerSnapshot: 200,
    pollIntervalMs: POLL_MS,
    visible: freshness.length,
    unseen,
    sendsBehindSchedule: late,
    freshnessMs: summarize(freshness),
    produceAckMs: summarize(produceMs),
    batchMaxSnapshots: config.consumer.batchMaxSnapshots,
    rangesWritten: runner.ranges,
    peakRssMiB: peakRss,
    elapsedSeconds: round((Date.now() - t0) / 1000, 1),
  };
});
