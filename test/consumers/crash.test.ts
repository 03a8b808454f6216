// Issue: SIGKILL the consumer at random points (at least 20 times) and restart it; the final tables
// must equal those of a run with no crash. Both runs read the same topic (so the same offsets) with
// different consumer groups and chDB paths; each child process dumps its tables when it is done.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { produceSnapshots } from '../support/pipeline.ts';
import { knownStream, prng } from '../support/stream.ts';

const KILLS = Number(process.env.TWS_CRASH_KILLS ?? 20);
const base = testConfig();
// 288 snapshots in ranges of 7: ~40 inserts, so the clean run and the 20+ lives fit the budget on a
// loaded 2-core machine (each insert runs every ingest view: about 1 s of CPU).
const stream = knownStream({ events: 6, hours: 12, scrapesPerHour: 4, seed: 11 });
const distinct = new Set(stream.map((s) => s.snapshot_id)).size;
const children = new Set<ChildProcess>();

function childEnv(group: string, dir: string): NodeJS.ProcessEnv {
  const { brokers, registryUrl } = stackEndpoints();
  return {
    ...process.env,
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    TWS_TOPIC_PREFIX: base.kafka.topicPrefix,
    TWS_CONSUMER_GROUP: group,
    TWS_CHDB_PATH: join(dir, 'chdb'),
    TWS_DUMP_FILE: join(dir, 'dump.json'),
    TWS_EXPECT_SNAPSHOTS: String(distinct),
    TWS_BATCH_MAX_SNAPSHOTS: '7',
    TWS_CONSUMER_SESSION_TIMEOUT_MS: '6000',
    TWS_LOG_LEVEL: 'silent',
  };
}

/**
 * Runs the child; resolves when it exits (killed or done) with whether it found ranges its
 * predecessor had started writing and not finished (the ledger's `before`: killed mid-write).
 */
function life(
  env: NodeJS.ProcessEnv,
  killAfterJoinMs?: number,
): Promise<{ done: boolean; killed: boolean; foundUnfinished: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/consumer-child.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    let killed = false;
    const t0 = Date.now();
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (process.env.TWS_CRASH_DEBUG) process.stderr.write(`[child +${Date.now() - t0} ms] ${d.toString()}`);
      if (killAfterJoinMs !== undefined && out.includes('joined') && !killed) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterJoinMs);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      children.delete(child);
      const foundUnfinished = Number(/unfinished (\d+)/.exec(out)?.[1] ?? 0);
      if (signal === 'SIGKILL' || out.includes('done'))
        resolve({ done: out.includes('done'), killed: signal === 'SIGKILL', foundUnfinished });
      else reject(new Error(`consumer child exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

const dump = (dir: string) => JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8'));

beforeAll(async () => {
  const kafka = createKafka(base.kafka, silentLogger);
  await ensureTopics(kafka, base.kafka, ['snapshots', 'zoneMetrics', 'rollups', 'deadLetter']);
  const producer = new AvroProducer(kafka, base, ['snapshots']);
  await producer.start();
  await produceSnapshots(producer, stream);
  await producer.stop();
}, 120_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('consumer crash safety', () => {
  it(`SIGKILLed ${KILLS} times at random points, it ends with the same tables as an uncrashed run`, async () => {
    const cleanDir = mkdtempSync(join(tmpdir(), 'tws-clean-'));
    expect((await life(childEnv(uniqueId('clean-'), cleanDir))).done).toBe(true);

    const crashDir = mkdtempSync(join(tmpdir(), 'tws-crash-'));
    const env = childEnv(uniqueId('crash-'), crashDir);
    const rnd = prng(2024);
    let kills = 0;
    // Lives that started after a kill that had landed between a range's `before` and its commit.
    let afterMidWriteKill = 0;
    while (kills < KILLS) {
      const r = await life(env, Math.floor(rnd() * 900));
      if (r.foundUnfinished > 0) afterMidWriteKill++;
      if (r.killed) kills++;
      if (r.done) break;
    }
    // Whatever is left, without a kill.
    const last = await life(env);
    if (last.foundUnfinished > 0) afterMidWriteKill++;
    if (!last.done) throw new Error('final run did not finish');

    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The window exactly-once exists for: some kills must have hit it, or this test proves little.
    console.info(`crash test: ${afterMidWriteKill} of ${kills} kills landed between a range's before and its commit`);
    expect(afterMidWriteKill, `kills that landed mid-write: ${afterMidWriteKill} of ${kills}`).toBeGreaterThan(0);
    const clean = dump(cleanDir);
    const crashed = dump(crashDir);
    expect(crashed.snapshots).toEqual([{ n: distinct, u: distinct }]);
    expect(crashed.zones.length).toBe(clean.zones.length);
    expect(crashed.zones).toEqual(clean.zones);
    expect(crashed.sections).toEqual(clean.sections);
    expect(crashed.raw).toEqual(clean.raw);
    expect(crashed.hourly).toEqual(clean.hourly);
    expect(crashed.daily).toEqual(clean.daily);
    // The listing lifecycle: something to protect, and the same rows.
    expect(clean.changes.length).toBeGreaterThan(0);
    expect(crashed.changes).toEqual(clean.changes);
    expect(crashed.judged).toEqual(clean.judged);
    expect(crashed.market).toEqual(clean.market);
  }, 600_000);
});
