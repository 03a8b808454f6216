// Vitest global setup: bring the local stack up for the run and take down what this run started.
// TWS_TEST_STACK=external skips both (for a stack managed elsewhere, e.g. compose).
// Either way the run deletes the topics it created: the broker's data directory outlives a run, and
// a broker that had kept the topics of a few dozen runs (14,500 partitions) ran out of its 512 MiB
// heap. Test files name their topics with uniqueId() (test/helpers/env.ts), which carries this run's
// token, so a run deletes its own topics and never those of another run on the same broker.
import { randomBytes } from 'node:crypto';
import { stackDown, stackEndpoints, stackUp } from '../../deploy/stack/stack.mjs';
import { loadConfig } from '../../lib/config.ts';
import { createKafka, deleteTopicsWhere, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
let started: string[] = [];
let cleanup = false;

function kafka(): Kafka {
  const { brokers, registryUrl } = stackEndpoints();
  const cfg = loadConfig({ KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, TWS_LOG_LEVEL: 'silent' });
  return createKafka(cfg.kafka, silentLogger);
}

export async function setup(): Promise<void> {
  if (process.env.TWS_TEST_STACK !== 'external') started = await stackUp({ log });
  // Test workers are started after this and inherit the environment. `r` + 8 hex digits: a token no
  // project name contains by chance. A second project's setup in the same run keeps the token.
  if (!process.env.TWS_TEST_RUN) {
    process.env.TWS_TEST_RUN = `r${randomBytes(4).toString('hex')}`;
    cleanup = true;
  }
}

export async function teardown(): Promise<void> {
  // Teardown runs once every test file of the run has finished (vitest globalSetup).
  const token = process.env.TWS_TEST_RUN;
  if (cleanup && token) {
    cleanup = false;
    try {
      const mine = await deleteTopicsWhere(kafka(), (t) => t.includes(token), { timeoutMs: 60_000 });
      if (mine.length > 0) log(`deleted the ${mine.length} topics of this run (${token})`);
    } catch (err) {
      log(`could not delete this run's topics: ${(err as Error).message}`);
    }
  }
  if (started.length > 0) await stackDown({ log, only: started });
}
