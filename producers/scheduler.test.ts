// The scheduler's stop, decided with fakes and no broker: a stop that lands at any await point of a
// job (the catalog read, the start record, the requests, the wait for outcomes, the sleep between
// jobs) ends the loop at once, and a job it interrupts is `cancelled`, never `failed`.
// Regression for the shutdown hang of 2026-11-30 (docs: ../shared field notes, "the shutdown hang").
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config.ts';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import { topicNames, type TopicKey } from '../lib/kafka/topics.ts';
import { silentLogger } from '../lib/logger.ts';
import type { CatalogEventView } from '../lib/catalog/catalog.ts';
import type { ScrapeJob, ScrapeOutcome } from '../lib/model.ts';
import { Alerter } from './alerts.ts';
import { Scheduler } from './scheduler.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const config = loadConfig({ TWS_SCRAPE_INTERVAL_SECONDS: '300', TWS_LOG_LEVEL: 'silent' });
const event = (id: string): CatalogEventView =>
  ({ event_id: id, source: 'simulated', source_event_id: id, starts_at: Date.now() + 86_400_000 }) as CatalogEventView;

/** A producer whose sends are recorded, and held at the step a test names until released. */
class FakeProducer {
  readonly topics = topicNames('fake');
  readonly sent: Array<{ topic: TopicKey; value: unknown }> = [];
  /** Called with each send before it completes; a returned promise holds the send. */
  hold?: (topic: TopicKey, value: unknown) => Promise<void> | undefined;
  reached = deferred<void>();

  async send(topic: TopicKey, records: Array<{ value: unknown }>): Promise<void> {
    for (const r of records) this.sent.push({ topic, value: r.value });
    const held = this.hold?.(topic, records[0]?.value);
    if (held) {
      this.reached.resolve();
      await held;
    }
  }

  jobs(): ScrapeJob[] {
    return this.sent.filter((s) => s.topic === 'scrapeJobs').map((s) => s.value as ScrapeJob);
  }
}

function scheduler(opts: { events?: () => Promise<CatalogEventView[]>; producer?: FakeProducer } = {}) {
  const producer = opts.producer ?? new FakeProducer();
  const s = new Scheduler({
    kafka: undefined as never, // only start() and the group clean-up use it, and these tests call neither
    config,
    producer: producer as unknown as AvroProducer,
    catalog: { activeEvents: opts.events ?? (async () => [event('e1'), event('e2'), event('e3')]) },
    alerter: new Alerter(silentLogger),
    log: silentLogger,
  });
  return { s, producer };
}

/** Resolves to 'hung' when `p` has not settled within `ms`: the bug waited 270 s, so 5 s is no race. */
const settlesWithin = (p: Promise<unknown>, ms = 5_000) =>
  Promise.race([p.then(() => 'settled'), new Promise((r) => setTimeout(() => r('hung'), ms).unref())]);

const nextTick = () => new Promise((r) => setImmediate(r));

describe('Scheduler.stop', () => {
  it('during the catalog read: the loop ends and no job is announced', async () => {
    const catalogRead = deferred<CatalogEventView[]>();
    const { s, producer } = scheduler({ events: () => catalogRead.promise });
    s.loop();
    await nextTick();
    expect(await settlesWithin(s.stop())).toBe('settled');
    catalogRead.resolve([event('late')]); // the read finishing after the stop starts nothing
    await nextTick();
    expect(producer.sent).toEqual([]);
    expect(s.jobs.map((j) => j.status)).toEqual(['cancelled']);
  });

  it.each(['start record', 'requests'] as const)('while sending the %s: the job ends cancelled', async (step) => {
    const producer = new FakeProducer();
    const release = deferred<void>();
    producer.hold = (topic, value) => {
      const isStart = topic === 'scrapeJobs' && (value as ScrapeJob).status === 'running';
      if (step === 'start record' ? isStart : topic === 'scrapeRequests') return release.promise;
      return undefined;
    };
    const { s } = scheduler({ producer });
    s.loop();
    await producer.reached.promise;
    expect(await settlesWithin(s.stop())).toBe('settled');
    const completion = producer.jobs().at(-1)!;
    expect(completion).toMatchObject({ status: 'cancelled', events_planned: 3, events_failed: 0 });
    expect(completion.events_cancelled).toBe(3);
    release.resolve();
  });

  it('while waiting for outcomes: finished events count as done, the rest as cancelled', async () => {
    const producer = new FakeProducer();
    const { s } = scheduler({ producer });
    const requestsSent = deferred<void>();
    producer.hold = (topic) => (topic === 'scrapeRequests' ? (requestsSent.resolve(), undefined) : undefined);
    s.loop();
    await requestsSent.promise;
    await nextTick();
    const jobId = (producer.jobs()[0] as ScrapeJob).job_id;
    const ok: ScrapeOutcome = {
      job_id: jobId,
      event_id: 'e1',
      worker_id: 'w',
      status: 'ok',
      error_kind: null,
      attempts: 1,
      retries: 0,
      snapshot_id: 's1',
      listings: 10,
      rejected: 0,
      finished_at: Date.now(),
    };
    const failed: ScrapeOutcome = { ...ok, event_id: 'e2', status: 'failed', error_kind: 'http', snapshot_id: null };
    // Outcomes arrive through the outcomes consumer in production; its handler is the same method.
    await (s as unknown as { onOutcome(o: ScrapeOutcome): Promise<void> }).onOutcome(ok);
    await (s as unknown as { onOutcome(o: ScrapeOutcome): Promise<void> }).onOutcome(failed);
    expect(await settlesWithin(s.stop())).toBe('settled');
    expect(producer.jobs().at(-1)).toMatchObject({
      status: 'cancelled',
      events_planned: 3,
      events_succeeded: 1,
      events_failed: 1,
      events_cancelled: 1,
      error: '1 event(s) cancelled by a stop',
    });
  });

  it('during the sleep between jobs: the loop ends without starting another job', async () => {
    const { s, producer } = scheduler({ events: async () => [] });
    s.loop();
    while (s.jobs.length === 0) await nextTick();
    expect(await settlesWithin(s.stop())).toBe('settled');
    expect(s.jobs.map((j) => j.status)).toEqual(['success']);
    expect(producer.jobs().map((j) => j.status)).toEqual(['running', 'success']);
  });

  it('before the loop has run a step, and twice', async () => {
    const { s, producer } = scheduler();
    s.loop();
    await Promise.all([s.stop(), s.stop()]);
    expect(producer.sent).toEqual([]);
  });

  it('a job left to its deadline, without a stop, still counts missing events as failed', async () => {
    const producer = new FakeProducer();
    const s = new Scheduler({
      kafka: undefined as never,
      config,
      producer: producer as unknown as AvroProducer,
      catalog: { activeEvents: async () => [event('e1')] },
      alerter: new Alerter(silentLogger),
      log: silentLogger,
      jobDeadlineMs: 50,
    });
    const job = await s.runOnce();
    expect(job).toMatchObject({ status: 'failed', events_failed: 1, events_cancelled: 0 });
    expect(job.error).toBe('1 event(s) without an outcome by the deadline');
  });
});
