// The operations consumer: catalog changes, scrape jobs and scraper logs from their topics into
// the `events`, `scrape_jobs` and `scraper_logs` tables, through the same exactly-once runner.
import { catalogRow } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { PoisonRecordError } from '../../lib/errors.ts';
import type { TopicNames } from '../../lib/kafka/topics.ts';
import type { CatalogEvent, ScrapeJob, ScrapeLog } from '../../lib/model.ts';
import type { BatchHandler, Prepared, SourceRecord } from '../runner/batch-runner.ts';

type OpsRecord = CatalogEvent | ScrapeJob | ScrapeLog;

const jobRow = (j: ScrapeJob) => ({
  ...j,
  started_at: chDateTime(j.started_at),
  finished_at: j.finished_at === null ? null : chDateTime(j.finished_at),
  version: j.status === 'running' ? 1 : 2,
});

const logRow = (l: ScrapeLog) => ({
  ...l,
  logged_at: chDateTime(l.logged_at),
  attempts: Math.min(255, Math.max(0, l.attempts)),
});

export class OpsHandler implements BatchHandler<OpsRecord> {
  constructor(private readonly topics: TopicNames) {}

  validate(v: OpsRecord): void {
    if ('event_id' in v && 'version' in v && !v.event_id)
      throw new PoisonRecordError('catalog entry without event_id', 'invalid');
    if ('job_id' in v && !v.job_id) throw new PoisonRecordError('record without job_id', 'invalid');
  }

  async prepare(records: SourceRecord<OpsRecord>[], where: { topic: string }): Promise<Prepared> {
    const values = records.map((r) => r.value);
    switch (where.topic) {
      case this.topics.catalog:
        return { inserts: [{ table: 'events', rows: (values as CatalogEvent[]).map(catalogRow) }] };
      case this.topics.scrapeJobs:
        return { inserts: [{ table: 'scrape_jobs', rows: (values as ScrapeJob[]).map(jobRow) }] };
      case this.topics.scrapeLogs:
        return { inserts: [{ table: 'scraper_logs', rows: (values as ScrapeLog[]).map(logRow) }] };
      default:
        return { inserts: [] };
    }
  }
}
