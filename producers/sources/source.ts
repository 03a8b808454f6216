// The contract every marketplace adapter fulfils, and the one error type it throws.
import { TwsError } from '../../lib/errors.ts';
import type { RejectedCount, ScrapeErrorKind, Zone } from '../../lib/model.ts';
import type { FetchJsonOptions } from '../http/fetch-json.ts';
import type { RateLimiter } from '../rate-limiter.ts';

export interface FetchResult {
  zones: Zone[];
  rejected: RejectedCount[];
  /** Listings the source said it has, when it says (a partial answer lists fewer). */
  expectedListings?: number | null;
  /** HTTP requests sent for this fetch, the first included. */
  attempts: number;
  retries: number;
  /** When the answer arrived (epoch ms): the event time of the snapshot. */
  fetchedAt: number;
  httpStatus: number;
}

export interface ListingSource {
  readonly name: string;
  fetchListings(sourceEventId: string, signal?: AbortSignal): Promise<FetchResult>;
}

/** What every adapter folder's `createListingSource` is given (bin/sources.ts builds it per source). */
export interface ListingSourceOptions {
  /** The registry's name, recorded on every snapshot. */
  name: string;
  /** e.g. https://www.vividseats.com; the adapter appends its path. */
  baseUrl: string;
  /** The listings path on the host; default: the adapter's own. */
  path?: string;
  timeoutMs: number;
  /** This source's own limiter: its politeness is its own, whatever host it shares. */
  rateLimiter: RateLimiter;
  /** Retry, backoff and test seams passed to fetchJson. */
  http?: Omit<FetchJsonOptions, 'rateLimiter' | 'timeoutMs' | 'signal'>;
}

/** The one export of producers/sources/<adapter>/index.ts. */
export type CreateListingSource = (opts: ListingSourceOptions) => ListingSource;

export interface SourceErrorDetails {
  httpStatus?: number;
  attempts?: number;
  retries?: number;
  /** The wait the server asked for (Retry-After), already parsed to ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

// Trying again can help when the server was busy, slow or unreachable; not when it refused us, sent
// something unreadable, or the caller's deadline passed.
const RETRIABLE_KINDS: ReadonlySet<ScrapeErrorKind> = new Set(['rate_limited', 'timeout', 'network']);

export const isRetriableKind = (kind: ScrapeErrorKind, httpStatus?: number): boolean =>
  RETRIABLE_KINDS.has(kind) || (kind === 'http' && httpStatus !== undefined && httpStatus >= 500);

export class SourceError extends TwsError {
  readonly kind: ScrapeErrorKind;
  readonly httpStatus?: number;
  readonly attempts: number;
  readonly retries: number;
  readonly retryAfterMs?: number;

  constructor(kind: ScrapeErrorKind, message: string, details: SourceErrorDetails = {}) {
    super(message, {
      code: `SOURCE_${kind.toUpperCase()}`,
      retriable: isRetriableKind(kind, details.httpStatus),
      cause: details.cause,
    });
    this.kind = kind;
    this.httpStatus = details.httpStatus;
    this.attempts = details.attempts ?? 0;
    this.retries = details.retries ?? 0;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** The same failure, with the attempt counts of the fetch that produced it. */
  withCounts(attempts: number, retries: number, httpStatus = this.httpStatus): SourceError {
    return new SourceError(this.kind, this.message, {
      httpStatus,
      attempts,
      retries,
      retryAfterMs: this.retryAfterMs,
      cause: this.cause,
    });
  }
}
