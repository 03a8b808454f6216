// The alerter end to end on the real broker, registry and embedded ClickHouse, with a real local
// webhook receiver: a simulated price path crosses a threshold, recovers and crosses again. Exactly
// the expected firings arrive, signed; cooldown and re-arm hold; 2 seats together follow the
// seller's splits; a section rule reads section_snapshots; a replay (duplicates, and a new consumer
// group from the beginning) fires nothing new; a receiver answering 500 three times gets the
// notification once (same Idempotency-Key on every attempt); one answering 400 gets one attempt and
// the notification ends in the dead-letter topic; per-target concurrency holds; source down and
// recovered notices go once to each receiver.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertRules } from '../../lib/alerts/rules.ts';
import { loadSecretBox } from '../../lib/alerts/secret-box.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { AlertNotification } from '../../lib/alerts/model.ts';
import type { RuleInput } from '../../lib/alerts/validate.ts';
import { startAlerter, type RunningAlerter } from '../../consumers/alerts/service.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { count, waitFor } from '../support/pipeline.ts';
import { readHeaders, readTopic } from '../support/read-topic.ts';
import { startReceiver, validSignature, type Receiver } from '../support/webhook-receiver.ts';
import { compute, publishMetrics, writeSections, type PathListing, type Scrape } from './price-path.ts';

const SECRET = 'whsec_0123456789abcdef';
const MIN = 60_000;
const config = testConfig({
  TWS_ALERT_SECRET_KEY: randomBytes(32).toString('hex'),
  TWS_ALERTER_GROUP: uniqueId('test-alerter-'),
  TWS_ALERT_RETRY_INITIAL_MS: '20',
  TWS_ALERT_RETRY_MAX_MS: '80',
  TWS_ALERT_DELIVERY_ATTEMPTS: '5',
  TWS_ALERT_SOURCE_DOWN_AFTER: '2',
  TWS_ALERT_TARGET_CONCURRENCY: '1',
  TWS_PUBLIC_URL: 'http://dashboard.test:8080',
});

let store: Store;
let kafka: Kafka;
let producer: AvroProducer;
let receiver: Receiver;
let rules: AlertRules;
let alerter: RunningAlerter | undefined;
const ids: Record<string, string> = {};

/** Event times after the rules' creation (the rules do not alert on what came before them). */
const T0 = Math.floor(Date.now() / MIN) * MIN + 10 * MIN;
const at = (minute: number) => T0 + minute * MIN;

// evt-a, zone Floor. Section 101 has a listing of 4 seats sold only as 4 (splits [4]) at the path
// price P; section 102 a pair at Q. The get-in price is min(P, Q); 2 seats together only ever Q.
const P = [12_000, 9_500, 9_200, 8_400, 8_300, 11_000, 9_600, 9_700, 9_800, 15_000, 9_900];
const Q = [13_000, 13_000, 13_000, 13_000, 13_000, 13_000, 13_000, 9_750, 9_760, 13_000, 13_000];
const floor = (i: number): PathListing[] => [
  { section: '101', id: 'four-only', quantity: 4, splits: [4], price: P[i]! },
  { section: '102', id: 'pair', quantity: 2, splits: [2], price: Q[i]! },
];
const scrapesA: Scrape[] = P.map((_, i) => ({
  event_id: 'evt-a',
  at: at(5 * i),
  zones: [{ zone_id: 'z-floor', zone: 'Floor', listings: floor(i) }],
}));
const one = (price: number) => [{ section: 'S', id: `l${price}`, quantity: 2, splits: null, price }];
const scrapeD: Scrape = {
  event_id: 'evt-d',
  at: at(0),
  zones: [{ zone_id: 'z-main', zone: 'Main', listings: one(9_000) }],
};
const scrapeC: Scrape = {
  event_id: 'evt-c',
  at: at(0),
  zones: ['1', '2', '3'].map((n) => ({ zone_id: `z${n}`, zone: `Zone ${n}`, listings: one(9_000) })),
};
const computed = compute([...scrapesA, scrapeD, scrapeC]);

const base = (over: Partial<RuleInput>): RuleInput => ({
  name: 'test rule',
  event_id: 'evt-a',
  zone: 'Floor',
  section: null,
  basis: 'all_in',
  group_size: 1,
  condition: { kind: 'below', price_cents: 10_000 },
  cooldown_seconds: 0,
  rearm_drop_pct: null,
  targets: [],
  active: true,
  ...over,
});
const target = (path: string, format: 'json' | 'slack' | 'discord' = 'json', secret: string | null = SECRET) => [
  { url: `${receiver.url}${path}`, format, secret },
];

async function newAlerter(group = config.alerts.group): Promise<RunningAlerter> {
  const a = await startAlerter({
    config: { ...config, alerts: { ...config.alerts, group } },
    store,
    kafka,
    log: silentLogger,
    fromBeginning: true,
  });
  await a.fetching;
  return a;
}

beforeAll(async () => {
  store = await createStore(config.clickhouse);
  await migrate(store);
  kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka);
  producer = new AvroProducer(kafka, config, ['zoneMetrics', 'alertRules', 'scrapeOutcomes']);
  await producer.start();
  receiver = await startReceiver((path, previous) => {
    if (path === '/flaky') return previous < 3 ? 500 : 200;
    if (path === '/bad') return 400;
    // Long enough that the three firings of evt-c are all handed over while the first is in flight.
    if (path === '/slow') return { status: 200, delayMs: 1_500 };
    return 200;
  });
  rules = new AlertRules({
    store,
    box: loadSecretBox(config),
    publish: (r) => producer.send('alertRules', [{ key: r.rule_id, value: r }]),
  });
  const add = async (name: string, r: Partial<RuleInput>) => (ids[name] = (await rules.create(base(r))).rule_id);
  await add('A', { name: 'Floor under $100', cooldown_seconds: 12 * 60, rearm_drop_pct: 10, targets: target('/a') });
  await add('B', { name: 'A pair under $100', group_size: 2, targets: target('/b', 'slack') });
  await add('S', { name: 'Section 101 under $100', section: '101', targets: target('/s', 'discord', null) });
  await add('E', { event_id: 'evt-d', zone: null, targets: target('/flaky') });
  await add('F', { event_id: 'evt-d', zone: null, targets: target('/bad') });
  await add('C', { event_id: 'evt-c', zone: null, targets: target('/slow') });
  // A removed rule never fires.
  const gone = await rules.create(base({ targets: target('/removed') }));
  await rules.remove(gone.rule_id);
  await writeSections(store, computed);
  alerter = await newAlerter();
});

afterAll(async () => {
  await alerter?.stop();
  await producer?.stop();
  await receiver?.close();
  await store?.close();
});

const bodies = (path: string) => receiver.at(path).map((r) => JSON.parse(r.body));
const delivered = () => count(store, 'SELECT count() AS n FROM alert_deliveries FINAL');
const firings = () => count(store, 'SELECT count() AS n FROM alert_firings FINAL');

// A: 4, B: 1, S: 3, E: 1, F: 1, C: 3 (one per zone); source down and recovered to /a, /b and /s.
const EXPECTED_DELIVERIES = 4 + 1 + 3 + 1 + 1 + 3 + 2 * 3;

describe('alerter', () => {
  it('delivers exactly the expected firings of the price path, signed, with cooldown and re-arm', async () => {
    await publishMetrics(producer, computed.records);
    const fail = (finished_at: number, status: 'ok' | 'failed') => ({
      key: `job-${finished_at}`,
      value: {
        job_id: `job-${finished_at}`,
        event_id: 'evt-a',
        worker_id: 'w',
        status,
        error_kind: status === 'failed' ? 'http' : null,
        attempts: 1,
        retries: 0,
        snapshot_id: null,
        listings: 0,
        rejected: 0,
        finished_at,
      },
    });
    // Outcomes go one at a time: their topic is keyed by job, so they spread over partitions.
    for (const [t, s] of [
      [at(100), 'failed'],
      [at(105), 'failed'],
      [at(110), 'ok'],
    ] as const) {
      await producer.send('scrapeOutcomes', [fail(t, s)]);
      await waitFor(
        `outcome at ${t} evaluated`,
        async () => alerter!.sources.stats.outcomes >= (t - at(95)) / (5 * MIN),
      );
    }
    await waitFor('every delivery outcome', async () => (await delivered()) >= EXPECTED_DELIVERIES, 60_000);

    // A: crossing at 10:05, the further drop held by the cooldown until 10:20, clear at 10:25, the
    // crossing at 10:30 held until 10:35, clear at 10:45, crossing at 10:50.
    const a = bodies('/a').filter((b) => b.kind === 'crossing');
    expect(a.map((b) => [b.observed_at, b.values.value, b.values.reference])).toEqual([
      [new Date(at(5)).toISOString(), 9_500, 10_000],
      [new Date(at(20)).toISOString(), 8_300, 10_000],
      [new Date(at(35)).toISOString(), 9_700, 10_000],
      [new Date(at(50)).toISOString(), 9_900, 10_000],
    ]);
    for (const b of a) {
      expect(b).toMatchObject({ type: 'tws.alert', event_id: 'evt-a', zone: 'Floor', test: false });
      expect(b.rule).toMatchObject({
        rule_id: ids.A,
        name: 'Floor under $100',
        condition: 'below',
        price_cents: 10_000,
      });
      expect(b.rule.targets).toBeUndefined();
      expect(b.dashboard_url).toBe('http://dashboard.test:8080/?event=evt-a&zone=Floor');
      expect(b.values.unit).toBe('cents_per_ticket');
    }
    // Every request to /a is signed with the target's secret, keyed by the alert id, and unique.
    for (const r of receiver.at('/a')) {
      expect(validSignature(SECRET, r), r.body).toBe(true);
      expect(r.headers['idempotency-key']).toBe(JSON.parse(r.body).alert_id);
      expect(Math.abs(Number(r.headers['x-tws-timestamp']) - r.at / 1000)).toBeLessThan(60);
    }
    expect(new Set(receiver.at('/a').map((r) => r.headers['idempotency-key'])).size).toBe(receiver.at('/a').length);

    // B, 2 seats together: only the pair of section 102 counts; the cheaper four-only listing never.
    const b = receiver.at('/b').map((r) => JSON.parse(r.body).text as string);
    expect(b.filter((t) => t.includes('below'))).toEqual([
      'A pair under $100: evt-a · Floor at $97.50 per ticket (all-in, 2 seats together), below $100.00 <http://dashboard.test:8080/?event=evt-a&amp;zone=Floor|Open the dashboard>',
    ]);
    for (const r of receiver.at('/b')) expect(validSignature(SECRET, r)).toBe(true);

    // S, section 101, no cooldown: each crossing of P once.
    const s = receiver.at('/s').map((r) => JSON.parse(r.body));
    expect(s.filter((x) => x.content.includes('below')).map((x) => x.content.match(/at \$([\d.]+)/)[1])).toEqual([
      '95.00',
      '96.00',
      '99.00',
    ]);
    expect(s[0].allowed_mentions).toEqual({ parse: [] });
    expect(receiver.at('/s')[0]!.headers['x-tws-signature']).toBeUndefined();

    // Source down after 2 failures, recovered at the next success: once each, to each receiver.
    for (const path of ['/a', '/b', '/s']) {
      const texts = receiver.at(path).map((r) => r.body);
      expect(texts.filter((t) => t.includes('Source down')).length, path).toBe(1);
      expect(texts.filter((t) => t.includes('Source recovered')).length, path).toBe(1);
    }
    expect(receiver.at('/removed')).toEqual([]);
  });

  it('retries 5xx with the same key until taken, and dead-letters a 400 after one attempt', async () => {
    const flaky = receiver.at('/flaky');
    expect(flaky.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(flaky.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(flaky.map((r) => r.headers['x-tws-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(new Set(flaky.map((r) => r.body)).size).toBe(1);
    for (const r of flaky) expect(validSignature(SECRET, r)).toBe(true);

    expect(receiver.at('/bad').map((r) => r.status)).toEqual([400]);
    const rows = await store.query<{
      target: string;
      status: string;
      attempts: number;
      http_status: number;
      reason: string;
    }>(
      `SELECT target, status, attempts, http_status, reason FROM alert_deliveries FINAL
       WHERE rule_id IN ({e:String}, {f:String}) ORDER BY status`,
      { e: ids.E!, f: ids.F! },
    );
    expect(rows.map((r) => [r.status, r.attempts, r.http_status])).toEqual([
      ['dead_lettered', 1, 400],
      ['delivered', 4, 200],
    ]);
    expect(rows[0]!.reason).toMatch(/^webhook_rejected: HTTP 400 after 1 attempt$/);

    const dlq = (await readHeaders(kafka, producer.topics.deadLetter, 1)).filter((h) => h['tws.alert.id']);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({
      'tws.dlq.reason': 'webhook_rejected',
      'tws.dlq.original.topic': producer.topics.zoneMetrics,
      'tws.alert.id': JSON.parse(receiver.at('/bad')[0]!.body).alert_id,
      'tws.alert.target': expect.stringMatching(new RegExp(`^${ids.F}/t[0-9a-f]{8}$`)),
    });
    // Never the URL: not in the headers, not in the stored reason.
    expect(JSON.stringify(dlq)).not.toContain(receiver.url);
  });

  it('keeps at most TWS_ALERT_TARGET_CONCURRENCY requests in flight per target', () => {
    expect(receiver.at('/slow')).toHaveLength(3);
    expect(receiver.maxConcurrent('/slow')).toBe(1);
  });

  it('publishes every firing once to tws.alerts.v1, readable with the registry alone', async () => {
    const records = await readTopic<AlertNotification>(kafka, producer.topics.alerts, config.registry.url, {
      min: 15,
    });
    const byId = new Map(records.map((r) => [r.alert_id, r]));
    expect(byId.size).toBe(4 + 1 + 3 + 1 + 1 + 3 + 2);
    expect(byId.size).toBe(await firings());
    const kinds = [...byId.values()].map((r) => r.kind).sort();
    expect(kinds.filter((k) => k === 'source_down')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'source_recovered')).toHaveLength(1);
  });

  it('fires nothing new on a replay: duplicates of every record, then the whole topic under a new group', async () => {
    const before = receiver.received.length;
    const firedBefore = await firings();
    const seen = alerter!.evaluator.stats.records;
    await publishMetrics(producer, computed.records);
    await waitFor(
      'the duplicates evaluated',
      async () => alerter!.evaluator.stats.records >= seen + computed.records.length,
    );
    expect(alerter!.evaluator.stats.fired).toBe(4 + 1 + 3 + 1 + 1 + 3);

    await alerter!.stop();
    alerter = await newAlerter(uniqueId('test-alerter-replay-'));
    await waitFor(
      'the whole topic evaluated again',
      async () => alerter!.evaluator.stats.records >= 2 * computed.records.length,
    );
    expect(alerter.evaluator.stats.fired).toBe(0);
    expect(alerter.evaluator.stats.late).toBeGreaterThan(0);
    await alerter.dispatcher.idle();
    expect(receiver.received.length).toBe(before);
    expect(await firings()).toBe(firedBefore);
  });
});
