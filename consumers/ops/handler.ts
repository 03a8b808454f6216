// The operations consumer: catalog changes, scrape jobs and scraper logs from their topics into
// the `events`, `scrape_jobs` and `scraper_logs` tables, through the same exactly-once runner.
import { catalogRow } from '../../lib/catalog/catalog.ts';
import { chDateTime } from '../../lib/clickhouse/format.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import { checkCatalogEvent, checkScrapeJob, checkScrapeLog } from '../../lib/records/plausible.ts';
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

  validate(v: OpsRecord, topic: string): void {
    if (topic === this.topics.catalog) checkCatalogEvent(v as CatalogEvent);
    else if (topic === this.topics.scrapeJobs) checkScrapeJob(v as ScrapeJob);
    else if (topic === this.topics.scrapeLogs) checkScrapeLog(v as ScrapeLog);
  }

  async prepare(records: SourceRecord<OpsRecord>[], where: { topic: string }): Promise<Prepared<OpsRecord>> {
    const values = records.map((r) => r.value);
    switch (where.topic) {
      case this.topics.catalog:
        return { inserts: [{ table: TABLES.events, rows: (values as CatalogEvent[]).map(catalogRow) }] };
      case this.topics.scrapeJobs:
        return { inserts: [{ table: TABLES.scrapeJobs, rows: (values as ScrapeJob[]).map(jobRow) }] };
      case this.topics.scrapeLogs:
        return { inserts: [{ table: TABLES.scraperLogs, rows: (values as ScrapeLog[]).map(logRow) }] };
      default:
        return { inserts: [] };
    }
  }
}
