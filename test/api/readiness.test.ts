// /readyz reports reads and writes apart (issue 13). The API role is started as `tws api` starts it,
// on a real chDB, with KAFKA_BROKERS pointing at a local port where nothing listens: the shared
// broker keeps running for the other tests. The API must start, serve reads, and say that it is
// read-only; once a proxy to the real broker opens on that port, it must become ready for writes.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import type { Store } from '../../lib/clickhouse/store.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createContext, openStore, prepareTopics, startApiRole, type Handle } from '../../bin/roles.ts';
import { testConfig } from '../helpers/env.ts';
import { waitFor } from '../support/pipeline.ts';

/** A port that was free a moment ago; nothing listens on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Opens `port` as a TCP proxy to the real broker: Kafka "comes back" there. */
async function proxyTo(port: number, target: string): Promise<Server> {
  const [host, targetPort] = target.split(':');
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const KEY = 'readiness-test-key';
let store: Store | undefined;
let api: (Handle & { port: number }) | undefined;
let proxy: Server | undefined;

afterAll(async () => {
  await api?.stop();
  await store?.close();
  proxy?.close();
});

describe('readiness with Kafka unreachable', () => {
  it('the API starts, serves reads and is ready, read-only; ready for writes once Kafka answers', async () => {
    const port = await closedPort();
    const config = testConfig({ KAFKA_BROKERS: `127.0.0.1:${port}`, TWS_API_PORT: '0', TWS_API_KEYS: KEY });
    const ctx = createContext(config, silentLogger);
    store = await openStore(ctx);
    // Within the test's timeout: the role must not wait for Kafka (kafkajs would retry for minutes).
    api = await startApiRole(ctx, store);
    const base = `http://127.0.0.1:${api.port}`;

    const ready = await fetch(`${base}/readyz`);
    const body = (await ready.json()) as Record<string, unknown>;
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      status: 'read_only',
      reads: 'ready',
      writes: 'unavailable',
      checks: { clickhouse: 'ok', kafka: 'failed' },
    });
    expect(body.note).toMatch(/read-only/);
    const forWrites = await fetch(`${base}/readyz?for=writes`);
    expect(forWrites.status).toBe(503);
    expect(await forWrites.json()).toMatchObject({ error: { code: 'NOT_READY', message: /kafka/ } });
    const events = await fetch(`${base}/v1/events`);
    expect(events.status).toBe(200);
    expect(await events.json()).toMatchObject({ events: [] });

    proxy = await proxyTo(port, stackEndpoints().brokers.split(',')[0]!);
    await waitFor(
      'readiness for writes once Kafka answers',
      async () => (await fetch(`${base}/readyz?for=writes`)).status === 200,
      60_000,
    );
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({
      status: 'ready',
      reads: 'ready',
      writes: 'ready',
    });
    // The topics, which any other role of the deployment creates when it starts (this prefix is new).
    await prepareTopics(ctx);
    const created = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        source: 'simulated',
        source_event_id: '424242',
        name: 'Readiness test',
        venue: 'Nowhere',
        timezone: 'UTC',
        starts_at: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
  }, 120_000);
});
