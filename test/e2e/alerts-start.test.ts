// `npm start` on a fresh data directory, then `tws alerts add` (another process, beside the running
// pipeline) with a target on a local receiver: the alert fires within one scrape interval on the
// simulated market (which has fat-fingered listings and price drops), with the get-in price the
// tables hold for that scrape, outliers left out, all-in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { uniqueId } from '../helpers/env.ts';
import { tws } from '../support/cli.ts';
import { waitFor } from '../support/pipeline.ts';
import { killAllUp, startUp } from '../support/up-process.ts';
import { startReceiver, validSignature } from '../support/webhook-receiver.ts';

const INTERVAL_S = 30;
/** A scrape, the metrics consumer and the alerter take a few seconds after the interval's tick. */
const PIPELINE_SLACK_MS = 10_000;
const SECRET = 'whsec_e2e_0123456789abcdef';
const API_KEY = 'e2e-key-0123456789abcdef';
const { brokers, registryUrl } = stackEndpoints();
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_BROKERS: brokers,
  SCHEMA_REGISTRY_URL: registryUrl,
  TWS_DATA_DIR: mkdtempSync(join(tmpdir(), 'tws-alerts-start-')),
  TWS_TOPIC_PREFIX: uniqueId('alerts-start-'),
  TWS_CONSUMER_GROUP: uniqueId('alerts-start-group-'),
  TWS_ALERTER_GROUP: uniqueId('alerts-start-alerter-'),
  TWS_API_PORT: '0',
  TWS_SIM_PORT: '0',
  TWS_API_KEYS: API_KEY,
  TWS_SCRAPE_INTERVAL_SECONDS: String(INTERVAL_S),
  TWS_LOG_LEVEL: 'warn',
  HOOK_SECRET: SECRET,
};

afterAll(killAllUp);

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('npm start, then tws alerts add', () => {
  it('fires within one scrape interval, with the get-in price of the tables', async () => {
    const receiver = await startReceiver();
    const run = startUp({ env, viaNpm: true, args: ['--backfill-hours', '2'] });
    try {
      const api = await run.api();
      const { events } = await json<{ events: Array<{ event_id: string }> }>(`${api}/v1/events`);
      const eventId = events[0]!.event_id;
      const zone = await waitFor(
        'a zone with a price',
        async () =>
          (
            await json<{ zones: Array<{ zone: string; lowest_price: number | null }> }>(
              `${api}/v1/events/${eventId}/zones`,
            )
          ).zones.find((z) => z.lowest_price !== null)?.zone,
        120_000,
      );
      const add = await tws(
        [
          'alerts',
          'add',
          '--event',
          eventId,
          '--zone',
          zone,
          '--below',
          '100000',
          '--cooldown',
          '1h',
          '--target',
          `${receiver.url}/hook`,
          '--secret-from-env',
          'HOOK_SECRET',
        ],
        env,
      );
      expect(add.code, add.stdout + add.stderr).toBe(0);
      const added = Date.now();
      const ruleId = /added (alr_[0-9a-f]{16})/.exec(add.stdout)![1]!;
      const first = await waitFor('the alert', async () => receiver.at('/hook')[0], INTERVAL_S * 1000 + 60_000);
      const elapsed = first.at - added;
      console.info(`alerts e2e: delivered ${elapsed} ms after \`tws alerts add\` returned (interval ${INTERVAL_S} s)`);
      expect(elapsed).toBeLessThanOrEqual(INTERVAL_S * 1000 + PIPELINE_SLACK_MS);

      expect(validSignature(SECRET, first)).toBe(true);
      const body = JSON.parse(first.body);
      expect(body).toMatchObject({ kind: 'crossing', event_id: eventId, zone, test: false });
      expect(body.rule.basis).toBe('all_in');
      expect(Date.parse(body.observed_at)).toBeGreaterThan(added - INTERVAL_S * 1000);
      // The value is the zone's get-in price of that very scrape, as the tables hold it: all-in,
      // fat-fingered listings (outliers) left out, over all sources (the sample events are on both
      // simulated marketplaces, and rules read the all-sources rows as of each scrape).
      for (const id of [body.values.snapshot_id, body.zone_id]) expect(id).toMatch(/^[\w.-]+$/);
      const sql = await json<{ rows: Array<{ lowest: number; outliers: number }> }>(`${api}/v1/sql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({
          sql: `SELECT lowest_price_cents AS lowest, outlier_listings AS outliers FROM zone_snapshots_all_sources
                WHERE snapshot_id = '${body.values.snapshot_id}' AND zone_id = '${body.zone_id}'`,
        }),
      });
      expect(sql.rows).toHaveLength(1);
      expect(body.values.value).toBe(Number(sql.rows[0]!.lowest));
      // Fired once for the crossing, not once per scrape: the zone stays below the threshold. The
      // rule's state (GET /v1/alerts) shows when the alerter has evaluated a later scrape.
      await waitFor(
        'a later scrape evaluated',
        async () =>
          (
            await json<{ state: { series: Array<{ last_observed_at: string }> } }>(`${api}/v1/alerts/${ruleId}`)
          ).state.series.some((x) => Date.parse(x.last_observed_at) > Date.parse(body.observed_at)),
        INTERVAL_S * 1000 + 60_000,
      );
      expect(receiver.at('/hook').filter((r) => JSON.parse(r.body).kind === 'crossing')).toHaveLength(1);
    } finally {
      await run.interrupt();
      await receiver.close();
    }
    expect(run.output()).toMatch(/stopped in [\d.]+ s/);
  }, 420_000);
});
