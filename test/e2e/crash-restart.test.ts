// A start after a crash (issue 13): `tws up` is killed with SIGKILL, so its Kafka consumers never leave
// their groups, and started again on the same data. The groups wait for the dead members' sessions to
// expire before the new start joins them; the embedded default session timeout keeps that short, so
// fresh zone metrics (a scrape of the new run) are served within 15 s of the new start. The restart
// logs no error for the rebalance it goes through. Then the terminal "closes" (SIGHUP): the run stops
// as on Ctrl-C and its consumers leave their groups at once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { describeGroupAssignment } from '../../lib/kafka/admin.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { waitFor } from '../support/pipeline.ts';
import { killAllUp, startUp } from '../support/up-process.ts';

const { brokers, registryUrl } = stackEndpoints();
const group = uniqueId('crash-group-');
const prefix = uniqueId('crash-');
const env = {
  ...process.env,
  KAFKA_BROKERS: brokers,
  SCHEMA_REGISTRY_URL: registryUrl,
  TWS_DATA_DIR: mkdtempSync(join(tmpdir(), 'tws-crash-')),
  TWS_TOPIC_PREFIX: prefix,
  TWS_CONSUMER_GROUP: group,
  TWS_API_PORT: '0',
  TWS_SIM_PORT: '0',
  TWS_LOG_LEVEL: 'info',
  TWS_LOG_FORMAT: 'json',
};
const args = ['--backfill-hours', '0'];

afterAll(killAllUp);

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The newest scrape time over the zones of the first event, ms (0 before any). */
async function newestZoneScrape(api: string): Promise<number> {
  const { events } = await json<{ events: Array<{ event_id: string }> }>(`${api}/v1/events`);
  if (!events[0]) return 0;
  const { zones } = await json<{ zones: Array<{ scraped_at: string }> }>(
    `${api}/v1/events/${events[0].event_id}/zones`,
  );
  return Math.max(0, ...zones.map((z) => Date.parse(z.scraped_at)));
}

/** Log lines at error level or above (JSON lines; other lines are progress output). */
function errorLines(out: string): string[] {
  return out.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return false;
    }
  });
}

describe('restart after kill -9', () => {
  it('serves fresh zone metrics within 15 s of the new start, and a closed terminal leaves the groups', async () => {
    const first = startUp({ env, args });
    const firstApi = await first.api();
    // The consumers are members and have written: the crash leaves live sessions behind.
    await waitFor('zone metrics of the first run', async () => (await newestZoneScrape(firstApi)) > 0, 90_000);
    await first.kill9();

    const startedAt = Date.now();
    const second = startUp({ env, args });
    const api = await second.api();
    const freshAt = await waitFor(
      'zone metrics scraped by the new run',
      async () => ((await newestZoneScrape(api)) > startedAt ? Date.now() : undefined),
      60_000,
    );
    const tookMs = freshAt - startedAt;
    expect(tookMs, second.output()).toBeLessThan(15_000);
    expect(errorLines(second.output()), 'error lines of the restart').toEqual([]);
    // It found the stack running (the test setup's): Ctrl-C leaves it running, and it says how to stop it.
    expect(second.output()).toMatch(
      /already running, not started by this run: Ctrl-C leaves them running; (stop them with `npm run stack:down`|they were started elsewhere)/,
    );

    await second.hangUp();
    expect(second.output()).toMatch(/SIGHUP: stopping…[\s\S]*stopped in [\d.]+ s/);
    // Left, not timed out: right after the exit the groups have no member.
    const kafka = createKafka(testConfig({ TWS_TOPIC_PREFIX: prefix }).kafka, silentLogger);
    const names = [group, `${group}-ops`, `${prefix}-scrapers`];
    const members = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, (await describeGroupAssignment(kafka, n)).members.length])),
    );
    expect(members).toEqual(Object.fromEntries(names.map((n) => [n, 0])));
  }, 300_000);
});
