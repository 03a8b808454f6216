// The request-metrics middleware in a small Hono app (no store, no server): each request is counted
// once under its route pattern (never the raw path), method and final status, including the 404s,
// the errors that onError turns into responses, and the requests a later middleware refuses; its
// latency goes into the histogram. The counters are process-wide, so each check reads a difference.
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpLatency, httpRequests } from '../../lib/metrics.ts';
import { HttpError, createErrorHandler, notFoundHandler } from '../errors.ts';
import { requestMetrics, routeLabel } from './metrics.ts';

/** The counter's value for these exact labels (0 when never incremented). */
async function requests(route: string, method: string, status: string): Promise<number> {
  const { values } = await httpRequests.get();
  return (
    values.find((v) => v.labels.route === route && v.labels.method === method && v.labels.status === status)?.value ?? 0
  );
}

/** The histogram's count and sum for (route, method). */
async function latency(route: string, method: string): Promise<{ count: number; sum: number }> {
  const { values } = await httpLatency.get();
  const find = (name: string) =>
    values.find((v) => v.metricName === name && v.labels.route === route && v.labels.method === method)?.value ?? 0;
  return {
    count: find('tws_http_request_duration_seconds_count'),
    sum: find('tws_http_request_duration_seconds_sum'),
  };
}

/** Every label value the counter has ever seen. */
async function allLabelValues(): Promise<string[]> {
  const { values } = await httpRequests.get();
  return values.flatMap((v) => Object.values(v.labels).map(String));
}

function app() {
  const a = new Hono();
  a.use('*', requestMetrics());
  a.use('/v1/refused/*', async () => {
    throw new HttpError(429, 'RATE_LIMITED', 'slow down', { headers: { 'Retry-After': '1' } });
  });
  const v1 = new Hono();
  v1.get('/metrics-test/:eventId', (c) => c.json({ id: c.req.param('eventId') }));
  v1.post('/metrics-test/:eventId/things', (c) => c.json({ ok: true }, 201));
  v1.get('/metrics-test-boom', () => {
    throw new Error('internal detail');
  });
  v1.get('/refused/x', (c) => c.text('never'));
  a.route('/v1', v1);
  a.notFound(notFoundHandler);
  a.onError(createErrorHandler());
  return a;
}

afterEach(() => vi.restoreAllMocks());

describe('requestMetrics', () => {
  it('counts a request under its route pattern, method and status; the raw id is never a label', async () => {
    const a = app();
    const route = '/v1/metrics-test/:eventId';
    const before = await requests(route, 'GET', '200');
    const id = `evt-secret-${Math.random().toString(36).slice(2)}`;
    expect((await a.request(`/v1/metrics-test/${id}`)).status).toBe(200);
    expect((await a.request('/v1/metrics-test/other')).status).toBe(200);
    expect(await requests(route, 'GET', '200')).toBe(before + 2);
    const created = await requests('/v1/metrics-test/:eventId/things', 'POST', '201');
    expect((await a.request(`/v1/metrics-test/${id}/things`, { method: 'POST' })).status).toBe(201);
    expect(await requests('/v1/metrics-test/:eventId/things', 'POST', '201')).toBe(created + 1);
    expect((await allLabelValues()).some((v) => v.includes(id))).toBe(false);
  });

  it('counts a 404 as route "unmatched", whatever the path', async () => {
    const a = app();
    const before = await requests('unmatched', 'GET', '404');
    expect((await a.request('/v2/nothing/here')).status).toBe(404);
    expect((await a.request('/v1/metrics-test/x/y/z')).status).toBe(404);
    expect(await requests('unmatched', 'GET', '404')).toBe(before + 2);
  });

  it('counts the status onError answered: 500 for a throwing handler, 429 for a middleware refusal', async () => {
    const a = app();
    const boom = await requests('/v1/metrics-test-boom', 'GET', '500');
    expect((await a.request('/v1/metrics-test-boom')).status).toBe(500);
    expect(await requests('/v1/metrics-test-boom', 'GET', '500')).toBe(boom + 1);
    // Refused before its handler ran, yet counted under the route it was going to.
    const refused = await requests('/v1/refused/x', 'GET', '429');
    expect((await a.request('/v1/refused/x')).status).toBe(429);
    expect(await requests('/v1/refused/x', 'GET', '429')).toBe(refused + 1);
  });

  it('labels an unknown method OTHER rather than letting clients make new label values', async () => {
    const a = app();
    const before = await requests('unmatched', 'OTHER', '404');
    await a.request('/v1/metrics-test/x', { method: 'PROPFIND' });
    expect(await requests('unmatched', 'OTHER', '404')).toBe(before + 1);
    expect(await allLabelValues()).not.toContain('PROPFIND');
  });

  it('observes the time from entering the middleware to the response, in seconds', async () => {
    const a = app();
    const route = '/v1/metrics-test/:eventId';
    const before = await latency(route, 'GET');
    // The clock the middleware reads: 250 ms pass inside the request.
    const readings = [10_000, 10_250];
    vi.spyOn(performance, 'now').mockImplementation(() => readings.shift() ?? 10_250);
    await a.request('/v1/metrics-test/timed');
    vi.restoreAllMocks();
    const after = await latency(route, 'GET');
    expect(after.count).toBe(before.count + 1);
    expect(after.sum - before.sum).toBeCloseTo(0.25, 9);
  });

  it('routeLabel ignores the middleware registered for all methods', async () => {
    const a = new Hono();
    let label = '';
    a.use('*', async (c, next) => {
      await next();
      label = routeLabel(c);
    });
    a.get('/v1/things/:id', async (c, next) => {
      await next();
      c.res = c.text('ok');
    });
    // Registered after the handler, so it is the last route that matched.
    a.use('/v1/*', async (_c, next) => next());
    await a.request('/v1/things/42');
    expect(label).toBe('/v1/things/:id');
  });
});
