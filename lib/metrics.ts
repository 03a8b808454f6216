// Prometheus metrics, one registry per process, served by the API at /metrics. Names are
// documented in docs/operations.md; labels stay low-cardinality (no event ids).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'tws_process_' });

export const httpRequests = new Counter({
  name: 'tws_http_requests_total',
  help: 'API requests by route, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [registry],
});

export const httpLatency = new Histogram({
  name: 'tws_http_request_duration_seconds',
  help: 'API request latency by route',
  labelNames: ['route', 'method'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const scrapeOutcomes = new Counter({
  name: 'tws_scrape_outcomes_total',
  help: 'Event scrapes by outcome (ok, failed, expired) and error kind',
  labelNames: ['status', 'kind'] as const,
  registers: [registry],
});

export const scrapeRetries = new Counter({
  name: 'tws_scrape_retries_total',
  help: 'HTTP retries of the scraper by reason (rate_limited, http, timeout, network)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const parseRejects = new Counter({
  name: 'tws_parse_rejected_items_total',
  help: 'Listing items the source parser rejected, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const rowsWritten = new Counter({
  name: 'tws_rows_written_total',
  help: 'Rows inserted into ClickHouse by table',
  labelNames: ['table'] as const,
  registers: [registry],
});

export const recordsConsumed = new Counter({
  name: 'tws_records_consumed_total',
  help: 'Kafka records handled by the consumers, by topic and result (ok, dead_letter, late, duplicate)',
  labelNames: ['topic', 'result'] as const,
  registers: [registry],
});

export const listingRejects = new Counter({
  name: 'tws_listing_rejects_total',
  help: 'Listings left out of the metrics by the consumers, by reason (non_positive_price, missing_price, bad_quantity) and outliers',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const consumerLag = new Gauge({
  name: 'tws_consumer_lag_records',
  help: 'Records between the committed offset and the end of the topic, by consumer group',
  labelNames: ['group'] as const,
  registers: [registry],
});

export const sinkBackpressure = new Gauge({
  name: 'tws_sink_paused',
  help: '1 while the sink pauses consumption because ClickHouse is unavailable',
  registers: [registry],
});
