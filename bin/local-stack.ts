// What `tws up` does with the local dev stack: it starts the services the clients point at
// (config.localStack: KAFKA_BROKERS and SCHEMA_REGISTRY_URL unset, or at the stack's own ports) and
// says which ones it leaves to the addresses the user gave. It also refuses two of its listeners on
// one port, since `up` runs them all in one process.
import type { Config } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { redactUrl } from '../lib/secrets.ts';

export type StackService = 'kafka' | 'registry';

export interface LocalStackPlan {
  start: StackService[];
  /** The step's label, e.g. "local Kafka + schema registry". */
  label: string;
  /** One line per service the user's own address stands for. */
  notes: string[];
}

export function localStackPlan(config: Config): LocalStackPlan {
  const { localStack } = config;
  const start: StackService[] = [];
  const notes: string[] = [];
  if (localStack.kafka) start.push('kafka');
  else notes.push(`Kafka: ${config.kafka.brokers.join(',')} (KAFKA_BROKERS); the local Kafka is not started`);
  if (localStack.registry) start.push('registry');
  else
    notes.push(
      `schema registry: ${redactUrl(config.registry.url)} (SCHEMA_REGISTRY_URL); the local registry is not started`,
    );
  const names = { kafka: 'Kafka', registry: 'schema registry' };
  return { start, notes, label: `local ${start.map((s) => names[s]).join(' + ')}` };
}

/** Two listeners of `up` on one port would fail with EADDRINUSE half-way; name both settings first. */
export function checkUpPorts(config: Config, stack: StackService[]): void {
  const ports: Array<[string, number]> = [
    ['TWS_API_PORT', config.api.port],
    ['TWS_SIM_PORT', config.sim.port],
    ...(stack.includes('kafka') ? [['TWS_KAFKA_PORT', config.localStack.kafkaPort] as [string, number]] : []),
    ...(stack.includes('registry') ? [['TWS_REGISTRY_PORT', config.localStack.registryPort] as [string, number]] : []),
  ];
  for (let i = 0; i < ports.length; i++)
    for (let j = i + 1; j < ports.length; j++) {
      const [a, pa] = ports[i]!;
      const [b, pb] = ports[j]!;
      // 0 asks for any free port: never a clash.
      if (pa !== 0 && pa === pb)
        throw new ConfigError(`${a}=${pa} and ${b}=${pb} are the same port; \`tws up\` listens on both: change one`, a);
    }
}

/**
 * What Ctrl-C leaves running: the services `up` found running instead of starting them. A service
 * of this stack (it has a pid: `npm run stack:up` started it) stops with `npm run stack:down`; one
 * that only answers on the stack's port was started elsewhere, and stops there.
 */
export function keptRunningNote(
  reused: readonly StackService[],
  status: Readonly<Record<string, { pid?: number | undefined }>>,
): string | undefined {
  if (reused.length === 0) return undefined;
  const names = { kafka: 'Kafka', registry: 'the schema registry' };
  const what = reused.map((s) => names[s]).join(' and ');
  const [were, them] = reused.length > 1 ? ['were', 'them'] : ['was', 'it'];
  const ours = reused.every((s) => status[s]?.pid !== undefined);
  return (
    `The local ${what} ${were} already running, not started by this run: Ctrl-C leaves ${them} running; ` +
    (ours
      ? `stop ${them} with \`npm run stack:down\`.`
      : `${were === 'were' ? 'they were' : 'it was'} started elsewhere: stop ${them} there.`)
  );
}
