// A scraper worker: consumes scrape requests as a member of a Kafka consumer group (so several
// workers split the events between them with no coordinator of our own), fetches each event's
// listings from its source and publishes one raw snapshot per (event, scrape), plus an outcome for
// the scheduler and, on failure, a scraper log record.
import { randomUUID } from 'node:crypto';
import type { Kafka } from '../lib/kafka/client.ts';
import type { Config } from '../lib/config.ts';
import { errorMessage } from '../lib/errors.ts';
import { checkScrapeRequest } from '../lib/records/plausible.ts';
import { startAvroConsumer, type RunningConsumer } from '../lib/kafka/avro-consumer.ts';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { Logger } from '../lib/logger.ts';
import { scrapeOutcomes } from '../lib/metrics.ts';
import type { ListingSnapshot, ScrapeLog, ScrapeOutcome, ScrapeRequest } from '../lib/model.ts';
import { toDeadLetter } from './dead-letter.ts';
import { scrapeOutcome } from './outcome.ts';
import { SourceError, type ListingSource } from './sources/source.ts';

export interface WorkerDeps {
  kafka: Kafka;
  config: Config;
  producer: AvroProducer;
  sources: Record<string, ListingSource>;
  log: Logger;
  workerId?: string;
  now?: () => number;
}

const RECENT_REQUESTS = 1_000;

export const scraperGroup = (cfg: Config) => `${cfg.kafka.topicPrefix}-scrapers`;

export class ScrapeWorker {
  readonly workerId: string;
  private running?: RunningConsumer;
  private readonly now: () => number;
  private readonly recentRequests: ScrapeRequest[] = [];

  constructor(private readonly deps: WorkerDeps) {
    this.workerId = deps.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { kafka, config, producer, log } = this.deps;
    this.running = await startAvroConsumer<ScrapeRequest>({
      kafka,
      groupId: scraperGroup(config),
      topic: producer.topics.scrapeRequests,
      codec: producer.codec,
      log,
      maxRecordBytes: config.consumer.maxRecordBytes,
      validate: (v) => checkScrapeRequest(v),
      fromBeginning: true,
      concurrency: config.source.concurrency,
      onRecord: async (req, _meta, signal) => void (await this.handle(req, signal)),
      onPoison: toDeadLetter(producer, scraperGroup(config)),
    });
  }

  get joined(): Promise<void> {
    return this.running?.joined ?? Promise.resolve();
  }

  /** The last RECENT_REQUESTS requests this worker took (bounded), for tests and debugging. */
  get recent(): readonly ScrapeRequest[] {
    return this.recentRequests;
  }

  /**
   * Stops at once: a scrape in flight or waiting for the rate limiter is cancelled (no outcome, no
   * log record: a stop is not a failure), and its request stays uncommitted for another worker.
   */
  async stop(): Promise<void> {
    await this.running?.stop();
  }

  /**
   * Scrapes one requested event. Never throws for a source failure: that is an outcome. Returns
   * undefined, publishing nothing, when `signal` cancelled the scrape.
   */
  async handle(req: ScrapeRequest, signal?: AbortSignal): Promise<ScrapeOutcome | undefined> {
    this.recentRequests.push(req);
    if (this.recentRequests.length > RECENT_REQUESTS) this.recentRequests.shift();
    const { producer, log } = this.deps;
    let outcome: ScrapeOutcome;
    if (this.now() > req.deadline_at) {
      outcome = scrapeOutcome(req, this.workerId, this.now(), {
        status: 'expired',
        kind: 'expired',
        attempts: 0,
        retries: 0,
      });
    } else {
      const scraped = await this.scrape(req, signal);
      if (!scraped) {
        scrapeOutcomes.inc({ status: 'cancelled', kind: 'none' });
        log.info({ event_id: req.event_id, job_id: req.job_id }, 'event scrape cancelled (worker stopping)');
        return undefined;
      }
      outcome = scraped;
    }
    scrapeOutcomes.inc({ status: outcome.status, kind: outcome.error_kind ?? 'none' });
    await producer.send('scrapeOutcomes', [{ key: req.job_id, value: outcome }]);
    if (outcome.status !== 'ok')
      log.warn(
        { event_id: req.event_id, job_id: req.job_id, kind: outcome.error_kind },
        'event scrape did not succeed',
      );
    return outcome;
  }

  private async scrape(req: ScrapeRequest, signal?: AbortSignal): Promise<ScrapeOutcome | undefined> {
    const { producer, sources } = this.deps;
    const source = sources[req.source];
    try {
      if (!source) throw new SourceError('http', `no listing source named "${req.source}"`);
      const result = await source.fetchListings(req.source_event_id, signal);
      const snapshot: ListingSnapshot = {
        snapshot_id: randomUUID(),
        job_id: req.job_id,
        event_id: req.event_id,
        source: req.source,
        source_event_id: req.source_event_id,
        scraped_at: result.fetchedAt,
        event_starts_at: req.event_starts_at,
        zones: result.zones,
        rejected: result.rejected,
        expected_listings: result.expectedListings ?? null,
      };
      await producer.send('snapshots', [{ key: req.event_id, value: snapshot }]);
      const listings = result.zones.reduce((n, z) => n + z.sections.reduce((m, s) => m + s.listings.length, 0), 0);
      const rejected = result.rejected.reduce((n, r) => n + r.count, 0);
      return scrapeOutcome(req, this.workerId, this.now(), {
        status: 'ok',
        attempts: result.attempts,
        retries: result.retries,
        snapshotId: snapshot.snapshot_id,
        listings,
        rejected,
      });
    } catch (err) {
      if (signal?.aborted) return undefined;
      const se = err instanceof SourceError ? err : undefined;
      const kind = se?.kind ?? 'publish';
      const entry: ScrapeLog = {
        logged_at: this.now(),
        event_id: req.event_id,
        job_id: req.job_id,
        level: 'ERROR',
        kind,
        message: errorMessage(err),
        stack_trace: (err as Error)?.stack ?? '',
        attempts: se?.attempts ?? 1,
        http_status: se?.httpStatus ?? null,
      };
      await producer.send('scrapeLogs', [{ key: req.event_id, value: entry }]);
      return scrapeOutcome(req, this.workerId, this.now(), {
        status: 'failed',
        kind,
        attempts: entry.attempts,
        retries: se?.retries ?? 0,
      });
    }
  }
}
