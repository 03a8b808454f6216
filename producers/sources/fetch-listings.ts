// What every JSON marketplace adapter does with one event: a polite GET (rate limiter, timeout,
// retries: http/fetch-json.ts), its parser over the body, and the parser's rejects counted.
import { parseRejects } from '../../lib/metrics.ts';
import type { RejectedCount, Zone } from '../../lib/model.ts';
import { fetchJson } from '../http/fetch-json.ts';
import { SourceError, type FetchResult, type ListingSourceOptions } from './source.ts';

export type ListingsParser = (body: unknown) => { zones: Zone[]; rejected: RejectedCount[] };

export async function fetchListingsJson(
  url: URL,
  opts: ListingSourceOptions,
  parse: ListingsParser,
  signal?: AbortSignal,
): Promise<FetchResult> {
  const res = await fetchJson(url.href, {
    ...opts.http,
    rateLimiter: opts.rateLimiter,
    timeoutMs: opts.timeoutMs,
    signal,
  });
  let parsed;
  try {
    parsed = parse(res.body);
  } catch (err) {
    throw err instanceof SourceError ? err.withCounts(res.attempts, res.retries, res.httpStatus) : err;
  }
  for (const { reason, count } of parsed.rejected) parseRejects.inc({ reason }, count);
  return {
    ...parsed,
    attempts: res.attempts,
    retries: res.retries,
    fetchedAt: res.fetchedAt,
    httpStatus: res.httpStatus,
  };
}
