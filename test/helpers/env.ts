// Per-file isolation on the shared stack: unique topic prefix, consumer groups and chDB path.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../lib/config.ts';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';

/**
 * A name no other file or run uses. Within a test run it carries the run's token (TWS_TEST_RUN, set
 * by the global setup, test/setup/stack.ts), which is how the run finds and deletes its topics.
 */
export function uniqueId(prefix = 't'): string {
  return `${prefix}${process.env.TWS_TEST_RUN ?? ''}${randomBytes(4).toString('hex')}`;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const { brokers, registryUrl } = stackEndpoints();
  const dir = mkdtempSync(join(tmpdir(), 'tws-test-'));
  return loadConfig({
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    TWS_TOPIC_PREFIX: uniqueId('test-'),
    // A group of its own: groups span topics, so a shared one would rebalance across test files.
    TWS_CONSUMER_GROUP: uniqueId('test-group-'),
    TWS_DATA_DIR: dir,
    TWS_CHDB_PATH: join(dir, 'chdb'),
    TWS_TOPIC_PARTITIONS: '3',
    TWS_LOG_LEVEL: 'silent',
    ...overrides,
  });
}
