// One source of truth for where the stack is (issue 13): `tws up` with the local stack moved to other
// ports, and no client address given, starts Kafka and the registry there and its clients follow,
// up to a served price trend. This starts a second Kafka and registry (the shared ones on 9092/8081
// are left alone), in a folder of their own; Ctrl-C stops them, and afterAll stops them even when
// the test fails.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackStatus } from '../../deploy/stack/stack.mjs';
import { waitFor } from '../support/pipeline.ts';
import { privateStackEnv, stopPrivateStack } from '../support/private-stack.ts';
import { killAllUp, startUp } from '../support/up-process.ts';

let stackEnv: Record<string, string> | undefined;

afterAll(async () => {
  killAllUp();
  await stopPrivateStack(stackEnv);
}, 90_000);

/** The environment without any client address: only the stack's ports say where things are. */
function withoutClientAddresses(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL', 'CLICKHOUSE_URL'])
    delete out[name];
  return out;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('tws up with the local stack on other ports', () => {
  it('starts Kafka and the registry there, and serves a price trend through them', async () => {
    stackEnv = await privateStackEnv();
    const env = {
      ...withoutClientAddresses(process.env),
      ...stackEnv,
      TWS_DATA_DIR: mkdtempSync(join(tmpdir(), 'tws-up-ports-')),
      TWS_API_PORT: '0',
      TWS_SIM_PORT: '0',
      TWS_LOG_LEVEL: 'warn',
    };
    const run = startUp({ env, args: ['--backfill-hours', '6'] });
    await run.waitForOutput('the private Kafka and registry to start', /✔ local Kafka \+ schema registry/, 240_000);
    expect(run.output()).toContain(`kafka: starting on 127.0.0.1:${stackEnv.TWS_KAFKA_PORT}`);
    expect(run.output()).toContain(`registry: starting on 127.0.0.1:${stackEnv.TWS_REGISTRY_PORT}`);
    const api = await run.api();

    const trend = await waitFor(
      'a non-empty price trend',
      async () => {
        const { events } = await json<{ events: Array<{ event_id: string }> }>(`${api}/v1/events`);
        if (!events[0]) return undefined;
        const { zones } = await json<{ zones: Array<{ zone: string }> }>(
          `${api}/v1/events/${events[0].event_id}/zones`,
        );
        if (!zones[0]) return undefined;
        const t = await json<{ points: Array<{ min_price: number | null }> }>(
          `${api}/v1/events/${events[0].event_id}/price-trend?zone=${encodeURIComponent(zones[0].zone)}&granularity=hourly`,
        );
        return t.points.length > 2 ? t : undefined;
      },
      120_000,
    );
    expect(trend.points.some((p) => typeof p.min_price === 'number' && p.min_price > 0)).toBe(true);
    // Nothing was tried against the default ports.
    expect(run.output()).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:9092|127\.0\.0\.1:8081/);

    // Ctrl-C stops the stack this run started.
    await run.interrupt();
    const status = await stackStatus({ env: { ...process.env, ...stackEnv } });
    expect(status.kafka?.running).toBe(false);
    expect(status.registry?.running).toBe(false);
  }, 420_000);
});
