// Retention from configuration: the migrations create the tables with the default TTLs; at start-up
// the configured ages are applied with MODIFY TTL where they differ. Existing parts follow at their
// next merge (materialize_ttl_after_modify = 0 keeps start-up cheap).
import type { Config } from '../config.ts';
import { ddlFor, ddlSettings } from './cluster.ts';
import type { Store } from './store.ts';

interface TtlRule {
  table: string;
  /** The TTL clause for `days`; days is a validated integer, never user text. */
  ttl: (days: number) => string;
  days: (r: Config['retention']) => number;
}

const archive = (col: string) => (d: number) => `toDateTime(${col}) + INTERVAL ${d} DAY TO VOLUME 'archive'`;

export const TTL_RULES: TtlRule[] = [
  { table: 'snapshots', ttl: archive('scraped_at'), days: (r) => r.archiveAfterDays },
  { table: 'section_snapshots', ttl: archive('scraped_at'), days: (r) => r.archiveAfterDays },
  { table: 'zone_snapshots', ttl: archive('scraped_at'), days: (r) => r.archiveAfterDays },
  { table: 'zone_snapshots_all_sources', ttl: archive('scraped_at'), days: (r) => r.archiveAfterDays },
  {
    table: 'raw_listings',
    ttl: (d) => `toDateTime(scraped_at) + INTERVAL ${d} DAY DELETE`,
    days: (r) => r.rawListingsDays,
  },
  { table: 'zone_rollups_hourly', ttl: (d) => `hour + INTERVAL ${d} DAY DELETE`, days: (r) => r.rollupDays },
  { table: 'zone_rollups_daily', ttl: (d) => `toDateTime(day) + INTERVAL ${d} DAY DELETE`, days: (r) => r.rollupDays },
  { table: 'zone_source_rollups_hourly', ttl: (d) => `hour + INTERVAL ${d} DAY DELETE`, days: (r) => r.rollupDays },
  {
    table: 'zone_source_rollups_daily',
    ttl: (d) => `toDateTime(day) + INTERVAL ${d} DAY DELETE`,
    days: (r) => r.rollupDays,
  },
  // The listing lifecycle (docs/tables.md#listing_changes) and its market rollups.
  {
    table: 'listing_changes',
    ttl: (d) => `toDateTime(changed_at) + INTERVAL ${d} DAY DELETE`,
    days: (r) => r.listingChangesDays,
  },
  {
    table: 'lifecycle_snapshots',
    ttl: (d) => `toDateTime(scraped_at) + INTERVAL ${d} DAY DELETE`,
    days: (r) => r.listingChangesDays,
  },
  {
    table: 'listing_state',
    ttl: (d) => `toDateTime(state.changed_at) + INTERVAL ${d} DAY DELETE`,
    days: (r) => r.listingChangesDays,
  },
  { table: 'market_rollups_hourly', ttl: (d) => `hour + INTERVAL ${d} DAY DELETE`, days: (r) => r.rollupDays },
  {
    table: 'market_rollups_daily',
    ttl: (d) => `toDateTime(day) + INTERVAL ${d} DAY DELETE`,
    days: (r) => r.rollupDays,
  },
];

/** Applies the configured TTLs; returns the tables it changed. */
export async function applyRetention(store: Store, retention: Config['retention']): Promise<string[]> {
  const changed: string[] = [];
  for (const rule of TTL_RULES) {
    const days = rule.days(retention);
    if (!Number.isInteger(days) || days < 1)
      throw new RangeError(`retention for ${rule.table} must be a whole number of days`);
    const [row] = await store.query<{ q: string }>(
      'SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
      { t: rule.table },
    );
    if (!row || row.q.includes(`toIntervalDay(${days})`)) continue;
    // On a cluster the ALTER runs ON CLUSTER, like the migrations (cluster.ts).
    for (const stmt of ddlFor(store, `ALTER TABLE ${rule.table} MODIFY TTL ${rule.ttl(days)}`))
      await store.command(stmt, undefined, { materialize_ttl_after_modify: 0, ...ddlSettings(store) });
    changed.push(rule.table);
  }
  return changed;
}
