// Phase "sales": how well the listing lifecycle infers sales. The simulated marketplace's listings
// (pauses, hiatuses past the relist window, withdrawals, pulls before the show, price cuts, and 5 %
// partial answers) are scraped every 5 minutes over the last days before each event's start, sent
// through the broker and the real metrics consumer into a fresh chDB; listing_changes is then scored
// against the simulator's own sales log (producers/sources/simulated/sales-log.ts): precision and
// recall by listing and by tickets, and the error of tickets sold per event-day. The naive diff (every
// disappearance a sale, partial scrapes compared too) is scored on the same snapshots for contrast.
import { join } from 'node:path';
import { ensureSchema } from '../../consumers/schema.ts';
import { startConsumers } from '../../consumers/service.ts';
import { createStore } from '../../lib/clickhouse/store.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { salesLog, type SimTruthEvent } from '../../producers/sources/simulated/sales-log.ts';
import { marketStream } from '../../test/support/market-stream.ts';
import { phaseMain } from '../lib/child.ts';
import { benchConfig, cpuSeconds, tempDir } from '../lib/env.ts';
import {
  naiveTallies,
  score,
  truthTallies,
  dayOf,
  type SalesInferenceResults,
  type Tally,
} from '../lib/sales-score.ts';
import { round, sleep } from '../lib/stats.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SEED = 17;

phaseMain(async (): Promise<SalesInferenceResults> => {
  const prefix = process.env.BENCH_PREFIX ?? 'bench-sales';
  const events = Number(process.env.BENCH_SALES_EVENTS ?? 8);
  const days = Number(process.env.BENCH_SALES_DAYS ?? 3);
  const config = benchConfig({ prefix, chdbPath: join(tempDir('sales'), 'chdb') });
  // Every event over a week ago, so no scrape time is in the future (that would be poison).
  const now = Math.floor(Date.now() / HOUR) * HOUR - 48 * DAY;
  const stream = marketStream({
    seed: SEED,
    events,
    now,
    stepMinutes: 5,
    partialRate: 0.05,
    // The last days before each show, and half an hour after its start (the pulls and the end).
    window: { fromBeforeStartMs: days * DAY, toBeforeStartMs: -HOUR / 2 },
  });
  const { snapshots } = stream;
  const listings = snapshots.reduce(
    (n, s) => n + s.zones.reduce((m, z) => m + z.sections.reduce((k, x) => k + x.listings.length, 0), 0),
    0,
  );
  const kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka);
  const producer = new AvroProducer(kafka, config, ['snapshots']);
  await producer.start();
  for (let i = 0; i < snapshots.length; i += 200)
    await producer.send(
      'snapshots',
      snapshots.slice(i, i + 200).map((s) => ({ key: s.event_id, value: s })),
    );
  await producer.stop();

  const store = await createStore(config.clickhouse);
  await ensureSchema(store);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const consumers = await startConsumers({ config, store, kafka, log: silentLogger, only: ['metrics', 'lifecycle'] });
  const done = (r: typeof consumers.metrics) => r.stats.records + r.stats.deadLettered >= snapshots.length;
  while (!done(consumers.metrics) || !done(consumers.lifecycle)) await sleep(200);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0);
  await consumers.stop();

  // What the lifecycle inferred, and over which window each event was compared.
  const eventOf = (productionId: string) => stream.windows.get(productionId)!.eventId;
  const windows = await store.query<{ event_id: string; first: number; last: number }>(
    `SELECT event_id, toUnixTimestamp64Milli(min(scraped_at)) AS first, toUnixTimestamp64Milli(max(scraped_at)) AS last
     FROM lifecycle_snapshots WHERE diffed GROUP BY event_id`,
  );
  const inferredRows = await store.query<{ event_id: string; listing_id: string; sale_ms: number; sold: number }>(
    `SELECT event_id, listing_id, toUnixTimestamp64Milli(sale_at) AS sale_ms, tickets_sold AS sold
     FROM listing_changes WHERE tickets_sold != 0`,
  );
  const [skipped] = await store.query<{ n: number }>(
    `SELECT count() AS n FROM lifecycle_snapshots WHERE skip_reason = 'incomplete'`,
  );
  await store.close();
  const inferred = { byListing: new Map() as Tally, byDay: new Map() as Tally };
  for (const r of inferredRows) {
    const k = `${r.event_id}|${r.listing_id}`;
    inferred.byListing.set(k, (inferred.byListing.get(k) ?? 0) + Number(r.sold));
    const d = `${r.event_id}|${dayOf(Number(r.sale_ms))}`;
    inferred.byDay.set(d, (inferred.byDay.get(d) ?? 0) + Number(r.sold));
  }

  // The truth over the compared window of each event: (first compared snapshot, last compared one].
  const truth: SimTruthEvent[] = [];
  for (const p of stream.market.productions) {
    const w = windows.find((x) => x.event_id === eventOf(p.productionId));
    if (w) truth.push(...salesLog(SEED, [p], Number(w.first), Number(w.last)));
  }
  const ours = score(inferred, truthTallies(truth, eventOf));
  // The naive diff starts at each event's first snapshot; its truth window does too.
  const naiveTruth: SimTruthEvent[] = [];
  for (const p of stream.market.productions) {
    const own = snapshots.filter((s) => s.event_id === eventOf(p.productionId));
    if (own.length > 1) naiveTruth.push(...salesLog(SEED, [p], own[0]!.scraped_at, own.at(-1)!.scraped_at));
  }
  const naive = score(naiveTallies(snapshots), truthTallies(naiveTruth, eventOf));

  // Where the inference and the truth part, by what the simulator says happened to the listing.
  const reasonsOf = new Map<string, Set<string>>();
  for (const e of truth)
    if (e.kind === 'withdrawn') {
      const k = `${eventOf(e.production_id)}|${e.listing_id}`;
      reasonsOf.set(k, (reasonsOf.get(k) ?? new Set()).add(e.reason));
    }
  const truthBy = truthTallies(truth, eventOf).byListing;
  const why = (k: string) =>
    ['hiatus', 'withdrawn', 'pulled', 'paused', 'started'].find((r) => reasonsOf.get(k)?.has(r)) ?? 'no withdrawal';
  const overcountBy: Record<string, number> = {};
  const undercountBy: Record<string, number> = {};
  for (const k of new Set([...inferred.byListing.keys(), ...truthBy.keys()])) {
    const d = Math.max(0, inferred.byListing.get(k) ?? 0) - (truthBy.get(k) ?? 0);
    if (d > 0) overcountBy[why(k)] = (overcountBy[why(k)] ?? 0) + d;
    if (d < 0) undercountBy[why(k)] = (undercountBy[why(k)] ?? 0) - d;
  }

  const [relist, cutoff] = [config.consumer.relistWindowHours, config.consumer.eventEndCutoffMinutes];
  return {
    events,
    snapshots: snapshots.length,
    listings,
    partialSnapshots: Number(skipped?.n ?? 0),
    days,
    relistWindowHours: relist,
    eventEndCutoffMinutes: cutoff,
    consumerSeconds: round(seconds, 1),
    listingsPerSecond: round(listings / seconds),
    cpuMsPer1000Listings: round((cpu * 1000 * 1000) / listings, 1),
    truth: {
      sales: truth.filter((e) => e.kind === 'sale').length,
      tickets: truth.filter((e) => e.kind === 'sale').reduce((n, e) => n + e.tickets, 0),
      withdrawals: truth.filter((e) => e.kind === 'withdrawn').length,
      relists: truth.filter((e) => e.kind === 'relisted').length,
    },
    ours,
    naive,
    overcountBy,
    undercountBy,
  };
});
