// The operations consumer materializes the catalog (compacted topic), jobs and scraper logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCatalog } from '../../lib/catalog/catalog.ts';
import { sendRaw } from '../../lib/kafka/raw.ts';
import { DLQ_HEADERS } from '../../lib/kafka/topics.ts';
import { createLogger, silentLogger } from '../../lib/logger.ts';
import type { CatalogEvent, ScrapeJob, ScrapeLog } from '../../lib/model.ts';
import { startConsumers, type ConsumerService } from '../../consumers/service.ts';
import { testConfig } from '../helpers/env.ts';
import { count, setUpPipeline, waitFor } from '../support/pipeline.ts';
import { readHeaders } from '../support/read-topic.ts';

const config = testConfig();
let env: Awaited<ReturnType<typeof setUpPipeline>>;
let consumers: ConsumerService;

const event = (v: number, active: boolean): CatalogEvent => ({
  event_id: 'vividseats-123',
  source: 'vividseats',
  source_event_id: '123',
  name: `Show v${v}`,
  venue: 'Hall',
  timezone: 'America/New_York',
  starts_at: Date.UTC(2026, 11, 24, 1),
  capacity: 18_000,
  active,
  created_at: Date.UTC(2026, 0, 1),
  updated_at: Date.UTC(2026, 0, 1) + v,
  version: v,
});

beforeAll(async () => {
  env = await setUpPipeline(config);
  const job: ScrapeJob = {
    job_id: 'j1',
    status: 'running',
    started_at: Date.now(),
    finished_at: null,
    events_planned: 2,
    events_succeeded: 0,
    events_failed: 0,
    events_cancelled: 0,
    snapshots: 0,
    listings: 0,
    retries: 0,
    error: null,
  };
  const log: ScrapeLog = {
    logged_at: Date.now(),
    event_id: 'vividseats-123',
    job_id: 'j1',
    level: 'ERROR',
    kind: 'blocked',
    message: 'HTTP 403',
    stack_trace: 'SourceError: HTTP 403\n    at …',
    attempts: 1,
    http_status: 403,
  };
  // Regression (chaos suite, bad records): records that decode but are not this topic's, or hold a
  // time no Date can hold, used to pass decoding and then fail the batch's write forever.
  const far = 9_000_000_000_000_000;
  const poison = [
    {
      topic: 'catalog',
      value: await env.producer.codec.encode(env.producer.topics.catalog, { ...event(0, true), starts_at: far }),
    },
    {
      topic: 'scrapeJobs',
      value: await env.producer.codec.encode(env.producer.topics.scrapeJobs, { ...job, started_at: far }),
    },
    { topic: 'scrapeLogs', value: await env.producer.codec.encode(env.producer.topics.catalog, event(0, true)) },
  ] as const;
  for (const p of poison) await sendRaw(env.kafka, env.producer.topics[p.topic], [{ key: 'bad', value: p.value }]);
  await env.producer.send(
    'catalog',
    [event(1, true), event(2, true), event(3, false)].map((e) => ({ key: e.event_id, value: e })),
  );
  await env.producer.send('scrapeJobs', [
    { key: 'j1', value: job },
    { key: 'j1', value: { ...job, status: 'partial', finished_at: Date.now(), events_succeeded: 1, events_failed: 1 } },
  ]);
  await env.producer.send('scrapeLogs', [{ key: log.event_id, value: log }]);
  consumers = await startConsumers({
    config,
    store: env.store,
    kafka: env.kafka,
    log: process.env.DBG ? createLogger({ level: 'debug' }) : silentLogger,
    only: 'ops',
  });
}, 120_000);

afterAll(async () => {
  await consumers?.stop();
  await env?.producer.stop();
  await env?.store.close();
});

describe('operations consumer', () => {
  it('keeps the latest catalog version of each event', async () => {
    const catalog = new EventCatalog({ store: env.store });
    const e = await waitFor('the last version', async () => {
      const got = await catalog.get('vividseats-123');
      return got?.version === 3 ? got : undefined;
    });
    expect(e).toMatchObject({ name: 'Show v3', active: false, capacity: 18_000, version: 3 });
  });

  it('writes job completion over the start record, and scraper logs', async () => {
    const job = await waitFor('the completion record', async () => {
      const [j] = await env.store.query<{ status: string; events_failed: number }>(
        'SELECT status, events_failed FROM scrape_jobs FINAL',
      );
      return j?.status === 'partial' ? j : undefined;
    });
    expect(job).toEqual({ status: 'partial', events_failed: 1 });
    await waitFor('logs', async () => (await count(env.store, 'SELECT count() AS n FROM scraper_logs')) === 1);
    const [log] = await env.store.query<{ kind: string; http_status: number; stack_trace: string }>(
      'SELECT kind, http_status, stack_trace FROM scraper_logs',
    );
    expect(log).toMatchObject({ kind: 'blocked', http_status: 403 });
    expect(log!.stack_trace).toContain('SourceError');
  });

  it('dead-letters records with impossible times or another topic’s schema, and goes on', async () => {
    const seen = await readHeaders(env.kafka, env.producer.topics.deadLetter, 3);
    const reasons = seen.map((h) => h[DLQ_HEADERS.reason]).sort();
    expect(reasons).toEqual(['invalid', 'invalid', 'schema']);
    expect(consumers.ops.stats.deadLettered).toBe(3);
  });
});
