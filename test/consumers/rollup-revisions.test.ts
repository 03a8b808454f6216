// tws.rollups.zones.v1 as a downstream consumer reads it (docs/topics.md: per key keep the record
// with the highest revision). Windows close, take a correction from a late scrape, are replayed
// (`tws replay` from offset 0), and pass the late-data horizon. The consumer that follows the rule
// must end with the values of an independent recomputation; every window's last word is `final`;
// a zone name with `|` cannot forge a key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import type { ListingSnapshot } from '../../lib/model.ts';
import { planReplay } from '../../consumers/replay.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { prepareReplayWhenIdle, produceSnapshots, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { readKeys, readTopic } from '../support/read-topic.ts';
import { recomputeRollups } from '../support/recompute.ts';

const config = testConfig({ TWS_TOPIC_PARTITIONS: '1', TWS_WINDOW_GRACE_SECONDS: '0' });
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 10);
const ZONE = 'Floor|A'; // a marketplace's zone name with the key's separator in it

const snap = (id: string, at: number, price: number, qty = 2): ListingSnapshot => ({
  snapshot_id: id,
  job_id: 'j',
  event_id: 'evt-r',
  source: 'simulated',
  source_event_id: '1',
  scraped_at: at,
  event_starts_at: null,
  zones: [
    {
      zone_id: 'z',
      name: ZONE,
      sections: [
        {
          name: '101',
          listings: [
            {
              listing_id: 'a',
              row: '',
              quantity: qty,
              base_price_cents: price,
              all_in_price_cents: price,
              splits: null,
            },
            {
              listing_id: 'b',
              row: '',
              quantity: 4,
              base_price_cents: price + 500,
              all_in_price_cents: price + 500,
              splits: null,
            },
          ],
        },
      ],
    },
  ],
  rejected: [],
});

// Three hours of scrapes, then (later) a late scrape into hour 0 that lowers its get-in price.
const onTime = [
  snap('s0', T0 + 10 * 60_000, 10_000),
  snap('s1', T0 + 40 * 60_000, 10_200),
  snap('s2', T0 + HOUR + 10 * 60_000, 11_000),
  snap('s3', T0 + 2 * HOUR + 10 * 60_000, 12_000),
];
const late = snap('s4', T0 + 20 * 60_000, 9_000, 3);
// A scrape three days on: stream time passes the late-data horizon of every window above.
const much_later = snap('s5', T0 + 3 * DAY, 15_000);

interface Rollup {
  granularity: 'hourly' | 'daily';
  event_id: string;
  zone: string;
  window_start: number;
  revision: number;
  final: boolean;
  min_price_cents: number | null;
  max_price_cents: number | null;
  avg_price_cents: number | null;
  open_price_cents: number | null;
  close_price_cents: number | null;
  tickets_last: number;
  scrapes: number;
}

let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService | undefined;
const start = () =>
  startConsumers({ config, store: env.store, kafka: env.kafka, log: silentLogger, only: 'metrics' }).then(
    (c) => (consumers = c),
  );
const readRollups = (min: number) =>
  readTopic<Rollup>(env.kafka, env.producer.topics.rollups, config.registry.url, { min, quietMs: 2_000 });

/** What docs/topics.md tells a downstream consumer to do: per key, the highest revision wins. */
function followTheRule(records: Rollup[]): Map<string, Rollup> {
  const latest = new Map<string, Rollup>();
  for (const r of records) {
    const k = `${r.granularity}|${r.event_id}|${r.zone}|${r.window_start}`;
    if ((latest.get(k)?.revision ?? -1) <= r.revision) latest.set(k, r);
  }
  return latest;
}

beforeAll(async () => {
  env = await setUpPipeline(config);
}, 120_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

describe('rollup revisions', () => {
  it('a correction supersedes the first close', async () => {
    await produceSnapshots(env.producer, onTime);
    await start();
    await waitFor('hour 0 closed', async () =>
      (await readRollups(1)).some((r) => r.granularity === 'hourly' && r.window_start === T0),
    );
    await produceSnapshots(env.producer, [late]);
    await waitFor('the correction of hour 0', async () =>
      (await readRollups(1)).some((r) => r.granularity === 'hourly' && r.window_start === T0 && r.revision === 1),
    );
  }, 120_000);

  it('after a replay, the rule ends with the recomputed values (revisions only grow)', async () => {
    const before = await readRollups(1);
    await consumers!.stop();
    const topic = env.producer.topics.snapshots;
    const plan = await planReplay(env.kafka, topic, { offset: 0 });
    await prepareReplayWhenIdle(env, config.consumer.group, plan);
    await start();
    const maxBefore = new Map<string, number>();
    for (const r of before) {
      const k = `${r.granularity}|${r.window_start}`;
      maxBefore.set(k, Math.max(maxBefore.get(k) ?? -1, r.revision));
    }
    // Every window re-emitted by the replay comes after (above) what was sent before it.
    const after = await waitFor('windows re-emitted above their earlier revisions', async () => {
      const records = await readRollups(before.length + 1);
      const newer = records.slice(before.length);
      return newer.length > 0 &&
        newer.every((r) => r.revision > (maxBefore.get(`${r.granularity}|${r.window_start}`) ?? -1))
        ? records
        : undefined;
    });
    const latest = followTheRule(after);
    const expected = recomputeRollups([...onTime, late], HOUR);
    const closedHours = expected.filter((e) => e.start + HOUR <= T0 + 2 * HOUR + 10 * 60_000);
    expect(closedHours.length).toBe(2);
    for (const e of closedHours) {
      const got = latest.get(`hourly|evt-r|${ZONE}|${e.start}`);
      expect(got, new Date(e.start).toISOString()).toBeDefined();
      expect({
        min: got!.min_price_cents,
        max: got!.max_price_cents,
        open: got!.open_price_cents,
        close: got!.close_price_cents,
        tickets: got!.tickets_last,
        scrapes: got!.scrapes,
      }).toEqual({
        min: e.min_price_cents,
        max: e.max_price_cents,
        open: e.open_price_cents,
        close: e.close_price_cents,
        tickets: e.tickets_last,
        scrapes: e.scrapes,
      });
      expect(got!.avg_price_cents).toBeCloseTo(e.avg_price_cents!, 6);
    }
  }, 180_000);

  it('marks each window final once stream time passes its late-data horizon, above every earlier revision', async () => {
    const sentBefore = await readRollups(1);
    await produceSnapshots(env.producer, [much_later]);
    const records = await waitFor('final records of hours 0 and 1 and of the day', async () => {
      const all = await readRollups(sentBefore.length + 1);
      const finals = all.filter((r) => r.final);
      return finals.some((r) => r.granularity === 'daily' && r.window_start === T0 - (T0 % DAY)) &&
        finals.some((r) => r.granularity === 'hourly' && r.window_start === T0 + HOUR)
        ? all
        : undefined;
    });
    const latest = followTheRule(records);
    for (const w of [`hourly|evt-r|${ZONE}|${T0}`, `hourly|evt-r|${ZONE}|${T0 + HOUR}`]) {
      expect(latest.get(w)?.final, w).toBe(true);
      const earlier = records.filter(
        (r) => `${r.granularity}|${r.event_id}|${r.zone}|${r.window_start}` === w && !r.final,
      );
      expect(latest.get(w)!.revision).toBeGreaterThan(Math.max(...earlier.map((r) => r.revision)));
    }
  }, 120_000);

  it('keys every record with the zone name percent-encoded, so `|` cannot forge one', async () => {
    const keys = await readKeys(env.kafka, env.producer.topics.rollups, 1);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.split('|')).toHaveLength(4);
      expect(k).toContain('Floor%7CA');
    }
  });
});
