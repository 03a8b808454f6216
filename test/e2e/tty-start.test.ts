// `tws up` in a terminal (issue 13): one readable line per log entry between the progress lines, no
// JSON, and no error-level line on a healthy start. The run gets a real pseudo-terminal (util-linux
// `script`, see test/support/up-process.ts), so the logger's own TTY detection picks the format:
// no switch is set, and TWS_LOG_FORMAT is removed from the environment.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { uniqueId } from '../helpers/env.ts';
import { killAllUp, startUp } from '../support/up-process.ts';

const { brokers, registryUrl } = stackEndpoints();
const { TWS_LOG_FORMAT: _format, ...inherited } = process.env;
const env = {
  ...inherited,
  KAFKA_BROKERS: brokers,
  SCHEMA_REGISTRY_URL: registryUrl,
  TWS_DATA_DIR: mkdtempSync(join(tmpdir(), 'tws-tty-')),
  TWS_TOPIC_PREFIX: uniqueId('tty-'),
  TWS_CONSUMER_GROUP: uniqueId('tty-group-'),
  TWS_API_PORT: '0',
  TWS_SIM_PORT: '0',
  TWS_LOG_LEVEL: 'info',
};

afterAll(killAllUp);

/** The terminal's bytes as a person reads them: colours and cursor moves out, CRLF as LF. */
const plain = (s: string) => stripVTControlCharacters(s).replace(/\r\n?/g, '\n');

describe('tws up in a terminal', () => {
  it('prints readable log lines, no JSON, and no error on a healthy start', async () => {
    const run = startUp({ env, args: ['--backfill-hours', '0'], tty: true });
    await run.api();
    // The first job runs the whole path: worker, producer, consumers, ClickHouse.
    await run.waitForOutput('the first scrape job to succeed', /scrape job success/, 90_000);
    const tookMs = await run.interrupt();
    const out = plain(run.output());
    expect(out, out).toMatch(/stopped in [\d.]+ s/);
    expect(tookMs).toBeLessThan(10_000);

    const lines = out.split('\n');
    expect(lines.filter((l) => l.startsWith('✔ ')).length, out).toBeGreaterThanOrEqual(8);
    // pino-pretty's line: "[HH:MM:ss.mmm] LEVEL: component: message {fields}".
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: scheduler: scrape job started \{/m);
    expect(
      lines.filter((l) => l.startsWith('{')),
      'JSON lines',
    ).toEqual([]);
    expect(
      lines.filter((l) => /^\[[\d:.]+\] (ERROR|FATAL):/.test(l)),
      'error-level lines',
    ).toEqual([]);
  }, 240_000);
});
