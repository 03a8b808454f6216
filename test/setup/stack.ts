// Vitest global setup: bring the local stack up for the run and take down what this run started.
// TWS_TEST_STACK=external skips both (for a stack managed elsewhere, e.g. compose).
// Either way the run deletes the topics it created (every test file makes its own, under a unique
// prefix): the broker's data directory outlives a run, and a broker that had kept the topics of a
// few dozen runs (14,500 partitions) ran out of its 512 MiB heap.
import { stackDown, stackEndpoints, stackUp } from '../../deploy/stack/stack.mjs';
import { loadConfig } from '../../lib/config.ts';
import { createKafka, deleteTopics, listTopics, type Kafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
let started: string[] = [];
let before: Set<string> | undefined;

function kafka(): Kafka {
  const { brokers, registryUrl } = stackEndpoints();
  const cfg = loadConfig({ KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, TWS_LOG_LEVEL: 'silent' });
  return createKafka(cfg.kafka, silentLogger);
}

export async function setup(): Promise<void> {
  if (process.env.TWS_TEST_STACK !== 'external') started = await stackUp({ log });
  // Not knowing what was there, the run deletes nothing.
  before = await listTopics(kafka()).then(
    (ts) => new Set(ts),
    () => undefined,
  );
}

export async function teardown(): Promise<void> {
  // Teardown runs once every test file of the run has finished (vitest globalSetup).
  if (before) {
    const known = before;
    before = undefined;
    try {
      const created = (await listTopics(kafka())).filter((t) => !known.has(t) && !t.startsWith('__'));
      await deleteTopics(kafka(), created);
      if (created.length > 0) log(`deleted the ${created.length} topics this run created`);
    } catch (err) {
      log(`could not delete this run's topics: ${(err as Error).message}`);
    }
  }
  if (started.length > 0) await stackDown({ log, only: started });
}
