// The scheduler: one scrape job per interval. Each job has a UUID, a start record and a completion
// record (success, partial, failed or cancelled, with counts) on the jobs topic. It publishes one scrape
// request per active event, keyed by event id, to a topic that the scraper workers consume as a
// consumer group, then collects the workers' outcomes until all are in or the deadline passes.
// Jobs never overlap: the next tick waits for the current job to finish.
import { randomUUID } from 'node:crypto';
import { deleteConsumerGroup } from '../lib/kafka/admin.ts';
import type { Kafka } from '../lib/kafka/client.ts';
import type { EventCatalog } from '../lib/catalog/catalog.ts';
import type { Config } from '../lib/config.ts';
import { abortable, AbortedError, pause, throwIfAborted } from '../lib/abort.ts';
import { errorMessage } from '../lib/errors.ts';
import { checkScrapeOutcome } from '../lib/records/plausible.ts';
import { startAvroConsumer, type RunningConsumer } from '../lib/kafka/avro-consumer.ts';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { Logger } from '../lib/logger.ts';
import type { ScrapeJob, ScrapeOutcome, ScrapeRequest } from '../lib/model.ts';
import { eventSources } from '../lib/sources/event-sources.ts';
import { ErrorRateMonitor, type Alerter } from './alerts.ts';
import { toDeadLetter } from './dead-letter.ts';
import { JobTracker, scrapeKey } from './jobs/job-tracker.ts';

export interface SchedulerDeps {
  kafka: Kafka;
  config: Config;
  producer: AvroProducer;
  catalog: Pick<EventCatalog, 'activeEvents'>;
  alerter: Alerter;
  log: Logger;
  /** How long a job waits for outcomes; defaults to 90% of the interval. */
  jobDeadlineMs?: number;
  now?: () => number;
}

/** How long a stopping scheduler still gives the last completion record and its group's removal. */
const STOP_GRACE_MS = 2_000;

export class Scheduler {
  private outcomes?: RunningConsumer;
  private group?: string;
  private current?: { tracker: JobTracker; done: () => void };
  /**
   * One signal for the scheduler's life. Every wait (the catalog read, the sends, the job's wait for
   * outcomes, the sleep between jobs) races it, and every step checks it first, so no wait can begin
   * after stop(): a stop that lands between two awaits is seen at the next one.
   */
  private readonly lifetime = new AbortController();
  private loopDone?: Promise<void>;
  private readonly errors: ErrorRateMonitor;
  private readonly now: () => number;
  readonly jobs: ScrapeJob[] = [];

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.errors = new ErrorRateMonitor(deps.config.alerts.errorsPerHour);
  }

  private get deadlineMs(): number {
    return this.deps.jobDeadlineMs ?? Math.max(5_000, this.deps.config.source.intervalSeconds * 900);
  }

  /** Starts listening to outcomes; call before the first job. */
  async start(): Promise<void> {
    const { kafka, config, producer, log } = this.deps;
    // Its own group, reading only what comes after it starts: outcomes of its own jobs.
    const group = `${config.kafka.topicPrefix}-scheduler-${randomUUID().slice(0, 8)}`;
    this.group = group;
    this.outcomes = await startAvroConsumer<ScrapeOutcome>({
      kafka,
      groupId: group,
      topic: producer.topics.scrapeOutcomes,
      codec: producer.codec,
      log,
      maxRecordBytes: config.consumer.maxRecordBytes,
      validate: (v) => checkScrapeOutcome(v),
      fromBeginning: false,
      onRecord: async (outcome) => this.onOutcome(outcome),
      onPoison: toDeadLetter(producer, group),
    });
    await this.outcomes.fetching;
  }

  private async onOutcome(outcome: ScrapeOutcome): Promise<void> {
    const cur = this.current;
    if (!cur || !cur.tracker.record(outcome)) return;
    if (outcome.status !== 'ok') {
      const count = this.errors.record(outcome.finished_at);
      if (count !== undefined) {
        await this.deps.alerter.fire({
          severity: 'HIGH',
          message: 'High error rate detected in scraper',
          details: { errorCount: count, windowMinutes: 60, threshold: this.deps.config.alerts.errorsPerHour },
        });
      }
    }
    if (cur.tracker.complete) cur.done();
  }

  /**
   * Runs one job to completion and returns its completion record. A stop() during the job ends it
   * at once as `cancelled`: the events without an outcome count as cancelled, not failed.
   */
  async runOnce(): Promise<ScrapeJob> {
    const { producer, catalog, log, alerter } = this.deps;
    const signal = this.lifetime.signal;
    const jobId = randomUUID();
    const startedAt = this.now();
    let tracker = new JobTracker(jobId, startedAt, new Set());
    let critical: string | undefined;
    let started = false;
    try {
      const events = await abortable(catalog.activeEvents(), signal);
      // One scrape per event and source: each source of an event is fetched on its own.
      tracker = new JobTracker(
        jobId,
        startedAt,
        new Set(events.flatMap((e) => eventSources(e).map((s) => scrapeKey(e.event_id, s.source)))),
      );
      const finished = new Promise<void>((resolve) => (this.current = { tracker, done: resolve }));
      throwIfAborted(signal);
      started = true;
      await abortable(producer.send('scrapeJobs', [{ key: jobId, value: tracker.startRecord() }]), signal);
      const deadline = startedAt + this.deadlineMs;
      const requests: ScrapeRequest[] = events.flatMap((e) =>
        eventSources(e).map((s) => ({
          job_id: jobId,
          event_id: e.event_id,
          source: s.source,
          source_event_id: s.source_event_id,
          event_starts_at: e.starts_at,
          requested_at: startedAt,
          deadline_at: deadline,
        })),
      );
      await abortable(
        producer.send(
          'scrapeRequests',
          requests.map((r) => ({ key: r.event_id, value: r })),
        ),
        signal,
      );
      log.info({ job_id: jobId, events: requests.length }, 'scrape job started');
      if (requests.length > 0) await Promise.race([finished, pause(Math.max(0, deadline - this.now()), signal)]);
    } catch (err) {
      if (!(err instanceof AbortedError)) critical = `critical: ${errorMessage(err)}`;
    } finally {
      this.current = undefined;
    }
    const cancelled = signal.aborted && (!started || !tracker.complete);
    const completion = tracker.completionRecord(this.now(), { critical, cancelled });
    this.jobs.push(completion);
    if (this.jobs.length > 100) this.jobs.shift();
    if (cancelled && !started) return completion; // nothing was announced, so there is nothing to close
    try {
      // Bounded even when stopping: the completion record is worth a moment, not a hang.
      await abortable(producer.send('scrapeJobs', [{ key: jobId, value: completion }]), this.stopGrace());
    } catch (err) {
      completion.error = [completion.error, `completion not published: ${errorMessage(err)}`]
        .filter(Boolean)
        .join('; ');
      if (completion.status !== 'cancelled') completion.status = 'failed';
    }
    if (cancelled) {
      log.warn(
        { job_id: jobId, cancelled: completion.events_cancelled, succeeded: completion.events_succeeded },
        'scrape job cancelled (stopping)',
      );
    } else {
      log.info({ job: completion }, `scrape job ${completion.status}`);
    }
    if (completion.status === 'failed') {
      await alerter.fire({
        severity: 'CRITICAL',
        message: `scrape job ${jobId} failed`,
        details: { error: completion.error, planned: completion.events_planned },
      });
    }
    return completion;
  }

  /** While running: never aborts. Once stopping: aborts after STOP_GRACE_MS. */
  private stopGrace(): AbortSignal | undefined {
    return this.lifetime.signal.aborted ? AbortSignal.timeout(STOP_GRACE_MS) : undefined;
  }

  /** Repeats jobs every interval; a job that overruns delays the next one instead of overlapping. */
  loop(): void {
    const intervalMs = this.deps.config.source.intervalSeconds * 1000;
    const signal = this.lifetime.signal;
    this.loopDone = (async () => {
      while (!signal.aborted) {
        const t0 = this.now();
        await this.runOnce();
        await pause(Math.max(0, t0 + intervalMs - this.now()), signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.lifetime.abort(new Error('scheduler stopping'));
    await this.loopDone?.catch(() => {});
    await this.outcomes?.stop();
    if (this.group) {
      // The group was this instance's alone; leave no trace of it on the broker.
      await abortable(deleteConsumerGroup(this.deps.kafka, this.group), AbortSignal.timeout(STOP_GRACE_MS)).catch(
        () => {},
      );
    }
  }
}
