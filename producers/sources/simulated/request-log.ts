// What the simulated marketplace was asked, so tests can check the scraper's politeness from the
// server's side. Bounded: a long-running simulator must not grow without limit.
import type { FaultKind, SimApi } from './faults.ts';

export interface RequestLogEntry {
  /** Arrival time, epoch ms (wall clock, whatever the market's clock says). */
  at: number;
  productionId: string | null;
  /** Which marketplace API was asked: each source's politeness is checked on its own. */
  api: SimApi;
  /** The status answered; 0 when the connection was reset without an answer. */
  status: number;
  fault: FaultKind | null;
  /** What the client said it is and wants, to check the scraper's manners. */
  userAgent: string | null;
  accept: string | null;
}

export interface SimStats {
  /** Listings requests since start (or the last reset), the trimmed ones included. */
  total: number;
  /** Counts of `requests` by status. */
  byStatus: Record<string, number>;
  /** The most recent requests (up to the log's limit), oldest first. */
  requests: RequestLogEntry[];
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private total = 0;

  constructor(private readonly limit = 100_000) {}

  /** Records an arrival; the caller fills in status (and fault) once known. */
  arrive(
    productionId: string | null,
    headers: { 'user-agent'?: string; accept?: string } = {},
    api: SimApi = 'hermes',
  ): RequestLogEntry {
    const entry: RequestLogEntry = {
      at: Date.now(),
      productionId,
      api,
      status: 0,
      fault: null,
      userAgent: headers['user-agent'] ?? null,
      accept: headers.accept ?? null,
    };
    this.entries.push(entry);
    // Trimmed in batches, so each arrival stays O(1) amortised.
    if (this.entries.length >= 2 * this.limit) this.entries = this.entries.slice(-this.limit);
    this.total++;
    return entry;
  }

  reset(): void {
    this.entries = [];
    this.total = 0;
  }

  stats(): SimStats {
    const requests = this.entries.slice(-this.limit).map((e) => ({ ...e }));
    const byStatus: Record<string, number> = {};
    for (const e of requests) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
    return { total: this.total, byStatus, requests };
  }
}
