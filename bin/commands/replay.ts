// `tws replay`: re-consume snapshots from an offset or a time into ClickHouse, with a progress bar.
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import type { Config } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { planReplay, prepareReplay } from '../../consumers/replay.ts';
import { snapshotGroups, startConsumers } from '../../consumers/service.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { createContext, openStore, prepareTopics } from '../roles.ts';

export function replayCommand(
  setup: (cmd: Command) => { config: Config; log: Logger },
  print: (l: string) => void,
): Command {
  return new Command('replay')
    .description(
      're-consume raw snapshots from an offset or a time into ClickHouse (stop other consumers of the group first)',
    )
    .option('--from-offset <n>', 'start at this offset in every partition', (v) => Number(v))
    .option('--from-time <iso>', 'start at the first record at or after this time', (v) => Date.parse(v))
    .option('--no-progress', 'no progress bar')
    .action(async (flags: { fromOffset?: number; fromTime?: number; progress: boolean }, cmd: Command) => {
      if ((flags.fromOffset === undefined) === (flags.fromTime === undefined))
        throw new ConfigError('give exactly one of --from-offset or --from-time', '--from-offset');
      if (flags.fromTime !== undefined && Number.isNaN(flags.fromTime))
        throw new ConfigError('--from-time must be an ISO date-time', '--from-time');
      if (flags.fromOffset !== undefined && !(Number.isInteger(flags.fromOffset) && flags.fromOffset >= 0))
        throw new ConfigError('--from-offset must be a whole number ≥ 0', '--from-offset');
      const { config, log } = setup(cmd);
      const ctx = createContext(config, log);
      const store = await openStore(ctx);
      await prepareTopics(ctx);
      const topic = topicNames(config.kafka.topicPrefix).snapshots;
      const plan = await planReplay(ctx.kafka, topic, { offset: flags.fromOffset, time: flags.fromTime });
      print(
        `replaying ${plan.total} records of ${topic}: ${plan.partitions.map((p) => `p${p.partition} ${p.start}..${p.end}`).join(', ')}`,
      );
      await prepareReplay(store, ctx.kafka, snapshotGroups(config), plan);
      const svc = await startConsumers({ config, store, kafka: ctx.kafka, log, only: ['metrics', 'lifecycle'] });
      const bar = flags.progress
        ? new SingleBar(
            { format: 'replay [{bar}] {percentage}% | {value}/{total} records | {eta}s left' },
            Presets.shades_classic,
          )
        : undefined;
      bar?.start(plan.total, 0);
      // Done when both snapshot consumers have been through the range.
      const processed = () =>
        Math.min(
          svc.metrics.stats.records + svc.metrics.stats.deadLettered + svc.handler.stats.duplicates,
          svc.lifecycle.stats.records + svc.lifecycle.stats.deadLettered,
        );
      while (processed() < plan.total) {
        bar?.update(Math.min(plan.total, processed()));
        await new Promise((r) => setTimeout(r, 250));
      }
      bar?.update(plan.total);
      bar?.stop();
      await svc.stop();
      await store.close();
      print(`replayed ${plan.total} records`);
    });
}
