// `tws scrape`: one job over every active event, with an in-process worker, then exit.
import type { Config } from '../../lib/config.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ScrapeJob } from '../../lib/model.ts';
import {
  createContext,
  openStore,
  prepareTopics,
  startSchedulerRole,
  startWorkerRole,
  stopAll,
  type Handle,
} from '../roles.ts';

export async function scrapeOnce(config: Config, log: Logger): Promise<ScrapeJob> {
  const ctx = createContext(config, log);
  const handles: Handle[] = [];
  try {
    const store = await openStore(ctx);
    handles.push({ name: 'store', stop: () => store.close() });
    await prepareTopics(ctx);
    const worker = await startWorkerRole(ctx);
    handles.push(worker);
    await worker.worker.joined;
    const scheduler = await startSchedulerRole(ctx, store, false);
    handles.push(scheduler);
    return await scheduler.scheduler.runOnce();
  } finally {
    await stopAll(handles, log);
  }
}
