// The listing lifecycle's rule settings (TWS_RELIST_WINDOW_HOURS, TWS_EVENT_END_CUTOFF_MINUTES). They
// travel with every landed snapshot, like the metric settings, so the views need no rebuild when
// they change; a block replayed after a change may differ from its first attempt only where the
// first attempt's rows were lost (docs/metrics.md#listing-lifecycle-and-inferred-sales).
import type { Config } from '../../lib/config.ts';

export interface LifecycleSettings {
  relistWindowHours: number;
  eventEndCutoffMinutes: number;
}

/** The configuration's defaults (lib/config.ts), for inserts that name no settings (tests). */
export const LIFECYCLE_DEFAULTS: LifecycleSettings = { relistWindowHours: 48, eventEndCutoffMinutes: 120 };

export const lifecycleSettings = (config: Config): LifecycleSettings => ({
  relistWindowHours: config.consumer.relistWindowHours,
  eventEndCutoffMinutes: config.consumer.eventEndCutoffMinutes,
});
