// N seats together through the real pipeline: listing snapshots go to the real metrics consumer,
// whose zone metrics (the seller-split rule applied) reach the real alerter. A listing of 4 seats
// that the seller sells only as 4 is the cheapest all along; a 2-seat rule fires only when a pair
// that can really be bought goes under the threshold, while the 1- and 4-seat rules fire at once.
// A new_listings rule fires on the one listing the lifecycle saw come on sale.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertRules } from '../../lib/alerts/rules.ts';
import { loadSecretBox } from '../../lib/alerts/secret-box.ts';
import type { RuleInput } from '../../lib/alerts/validate.ts';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { ensureSchema } from '../../consumers/schema.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { startAlerter, type RunningAlerter } from '../../consumers/alerts/service.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { produceSnapshots, waitFor } from '../support/pipeline.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';
import { snapshotOf, type PathListing } from './price-path.ts';

const MIN = 60_000;
const T0 = Math.floor(Date.now() / MIN) * MIN + 5 * MIN;
const config = testConfig({
  TWS_ALERT_SECRET_KEY: randomBytes(32).toString('hex'),
  TWS_ALERTER_GROUP: uniqueId('test-alerter-pipe-'),
});

let store: Store;
let kafka: Kafka;
let producer: AvroProducer;
let receiver: Receiver;
let consumers: ConsumerService;
let alerter: RunningAlerter;

const PAIR = [12_000, 12_000, 9_500, 9_600];
const listings = (i: number): PathListing[] => [
  { section: '101', id: 'four-only', quantity: 4, splits: [4], price: 9_000 },
  { section: '102', id: 'pair', quantity: 2, splits: [2], price: PAIR[i]! },
  { section: '102', id: 'six', quantity: 6, splits: [2, 4, 6], price: 13_000 },
  // Put on sale at the third scrape: the one new listing (the first scrape's are the baseline).
  ...(i >= 2 ? [{ section: '103', id: 'late', quantity: 2, splits: [2], price: 20_000 }] : []),
];

beforeAll(async () => {
  store = await createStore(config.clickhouse);
  await ensureSchema(store);
  kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka);
  producer = new AvroProducer(kafka, config, ['snapshots', 'alertRules']);
  await producer.start();
  receiver = await startReceiver();
  const rules = new AlertRules({
    store,
    box: loadSecretBox(config),
    publish: (r) => producer.send('alertRules', [{ key: r.rule_id, value: r }]),
  });
  for (const seats of [1, 2, 4] as const) {
    const input: RuleInput = {
      name: `${seats} seats under $100`,
      event_id: 'evt-pipe',
      zone: 'Floor',
      section: null,
      basis: 'all_in',
      group_size: seats,
      condition: { kind: 'below', price_cents: 10_000 },
      cooldown_seconds: 0,
      rearm_drop_pct: null,
      targets: [{ url: `${receiver.url}/seats-${seats}`, format: 'json', secret: 'whsec_pipeline_0123456789' }],
      active: true,
    };
    await rules.create(input);
  }
  await rules.create({
    name: 'Any new listing',
    event_id: 'evt-pipe',
    zone: 'Floor',
    section: null,
    basis: 'all_in',
    group_size: 1,
    condition: { kind: 'new_listings', min_new: 1 },
    cooldown_seconds: 0,
    rearm_drop_pct: null,
    targets: [{ url: `${receiver.url}/new`, format: 'json', secret: 'whsec_pipeline_0123456789' }],
    active: true,
  });
  alerter = await startAlerter({ config, store, kafka, log: silentLogger, fromBeginning: true });
  await alerter.fetching;
  consumers = await startConsumers({ config, store, kafka, log: silentLogger, only: ['metrics', 'lifecycle'] });
});

afterAll(async () => {
  await consumers?.stop();
  await alerter?.stop();
  await producer?.stop();
  await receiver?.close();
  await store?.close();
});

describe('seats together, snapshots → metrics consumer → alerter', () => {
  it('follows the seller splits: the pair rule waits for a pair that can be bought', async () => {
    await produceSnapshots(
      producer,
      PAIR.map((_, i) =>
        snapshotOf({
          event_id: 'evt-pipe',
          at: T0 + i * 5 * MIN,
          zones: [{ zone_id: 'z-floor', zone: 'Floor', listings: listings(i) }],
        }),
      ),
    );
    await waitFor('every zone record evaluated', async () => alerter.evaluator.stats.records >= PAIR.length, 120_000);
    await alerter.dispatcher.idle();
    const fired = (seats: number) =>
      receiver.at(`/seats-${seats}`).map((r) => {
        const b = JSON.parse(r.body);
        return [Date.parse(b.observed_at) - T0, b.values.value];
      });
    // One seat: the four-only listing at $90 is the get-in price from the first scrape.
    expect(fired(1)).toEqual([[0, 9_000]]);
    // Four seats together: the four-only listing qualifies, $90 each.
    expect(fired(4)).toEqual([[0, 9_000]]);
    // Two seats together: not the four-only listing; the pair at $95 from the third scrape on.
    expect(fired(2)).toEqual([[10 * MIN, 9_500]]);
    // New listings, from the listing lifecycle: only the third scrape brought one (price moves and
    // the first scrape's baseline are not new).
    const fresh = receiver.at('/new').map((r) => {
      const b = JSON.parse(r.body);
      return [Date.parse(b.observed_at) - T0, b.values.value];
    });
    expect(fresh).toEqual([[10 * MIN, 1]]);
  }, 180_000);
});
