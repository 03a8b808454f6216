// Ctrl-C in the middle of a rate-limited scrape job: 75 events, each on the two simulated
// marketplaces (150 scrapes), on a limit of 10 requests a minute per source, so most of the job's
// scrapes are still waiting for the limiter when the signal arrives. The run must exit within 10 s
// (the bound issue 13 sets for every state), and the interrupted job must be recorded as
// `cancelled`, with its unscraped scrapes counted as cancelled and not as failures.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { createKafka } from '../../lib/kafka/client.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ScrapeJob } from '../../lib/model.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { readTopic } from '../support/read-topic.ts';
import { killAllUp, startUp } from '../support/up-process.ts';

const { brokers, registryUrl } = stackEndpoints();
const prefix = uniqueId('stop-');
const env = {
  ...process.env,
  KAFKA_BROKERS: brokers,
  SCHEMA_REGISTRY_URL: registryUrl,
  TWS_DATA_DIR: mkdtempSync(join(tmpdir(), 'tws-stop-')),
  TWS_TOPIC_PREFIX: prefix,
  TWS_CONSUMER_GROUP: uniqueId('stop-group-'),
  TWS_API_PORT: '0',
  TWS_SIM_PORT: '0',
  TWS_SIM_EVENTS: '75',
  TWS_RATE_LIMIT_PER_MINUTE: '10',
  TWS_LOG_LEVEL: 'info',
  TWS_LOG_FORMAT: 'json',
};

afterAll(killAllUp);

describe('Ctrl-C during a rate-limited job', () => {
  it('exits within 10 s and records the job and its unscraped events as cancelled', async () => {
    const scrapes = 2 * 75;
    const run = startUp({ env, args: ['--backfill-hours', '0'] });
    await run.api();
    await run.waitForOutput('the first job to start', /scrape job started/, 60_000);
    // The limiter grants 10 requests at once and the next one a minute later, so from here until
    // long after this test the job has scrapes in flight and most of its events queued.
    const tookMs = await run.interrupt();
    const out = run.output();
    expect(tookMs, out).toBeLessThan(10_000);
    expect(out).toMatch(/scrape job cancelled/);
    expect(out).not.toMatch(/took longer than/);

    const kafka = createKafka(testConfig({ TWS_TOPIC_PREFIX: prefix }).kafka, silentLogger);
    const jobs = await readTopic<ScrapeJob>(kafka, topicNames(prefix).scrapeJobs, registryUrl, { min: 2 });
    const completion = jobs.find((j) => j.status !== 'running');
    expect(completion, JSON.stringify(jobs)).toBeDefined();
    expect(completion!.status).toBe('cancelled');
    expect(completion!.events_planned).toBe(scrapes);
    // 10 requests a minute per source: at most a dozen scrapes of each can have finished, the rest
    // were cancelled.
    expect(completion!.events_cancelled).toBeGreaterThan(scrapes - 50);
    expect(completion!.events_succeeded + completion!.events_failed + completion!.events_cancelled).toBe(scrapes);
    expect(completion!.events_failed).toBe(0);
  }, 240_000);
});
