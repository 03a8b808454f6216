// Per-scenario isolation on the shared stack (own topic prefix, consumer group and data directory),
// expressed as environment variables so that consumer children get exactly the parent's config.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackEndpoints } from '../../../deploy/stack/stack.mjs';
import { loadConfig, type Config } from '../../../lib/config.ts';
import { uniqueId } from '../../helpers/env.ts';

export interface ScenarioEnv {
  vars: Record<string, string>;
  config: Config;
  dir: string;
}

export function scenarioEnv(name: string, extra: Record<string, string> = {}): ScenarioEnv {
  const { brokers, registryUrl } = stackEndpoints();
  const dir = mkdtempSync(join(tmpdir(), `tws-chaos-${name}-`));
  const vars: Record<string, string> = {
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    TWS_TOPIC_PREFIX: uniqueId(`chaos-${name}-`),
    TWS_CONSUMER_GROUP: uniqueId(`chaos-${name}-g-`),
    TWS_TOPIC_PARTITIONS: '3',
    TWS_DATA_DIR: dir,
    TWS_CHDB_PATH: join(dir, 'chdb'),
    TWS_LOG_LEVEL: 'silent',
    ...extra,
  };
  return { vars, config: loadConfig(vars), dir };
}

/** Polls `fn` until it returns something other than undefined/false. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
