// The project's ClickHouse tables and views by role, like TOPICS for Kafka. Their names and columns
// are a public contract for analysts (docs/tables.md); code names a table through this map.
export const TABLES = {
  events: 'events',
  snapshots: 'snapshots',
  sectionSnapshots: 'section_snapshots',
  zoneSnapshots: 'zone_snapshots',
  rawListings: 'raw_listings',
  /** Internal: a Null table the metrics consumer inserts raw Avro into; views compute the rest. */
  snapshotLanding: 'snapshot_landing',
  /** Internal: landed snapshots with their zones' outlier references (a Null table between views). */
  snapshotEnriched: 'snapshot_enriched',
  /** Each zone over all of an event's sources, per snapshot (feeds the rollups below). */
  zoneSnapshotsAllSources: 'zone_snapshots_all_sources',
  /** Internal: each snapshot's listings (8 days), the other sources' side of the all-sources rows. */
  recentListings: 'recent_listings',
  /** Internal: a Null table between the all-sources views (consumers/snapshots/all-sources-views.ts). */
  snapshotAllSources: 'snapshot_all_sources',
  snapshotAllSourcesLinked: 'snapshot_all_sources_linked',
  /** Per-source rollups, one series per (event, source, zone); read through the views below. */
  zoneSourceRollupsHourly: 'zone_source_rollups_hourly',
  zoneSourceRollupsDaily: 'zone_source_rollups_daily',
  zoneSourceHourly: 'zone_source_hourly',
  zoneSourceDaily: 'zone_source_daily',
  zoneRollupsHourly: 'zone_rollups_hourly',
  zoneRollupsDaily: 'zone_rollups_daily',
  zoneHourly: 'zone_hourly',
  zoneDaily: 'zone_daily',
  scrapeJobs: 'scrape_jobs',
  scraperLogs: 'scraper_logs',
  sinkOffsets: 'sink_offsets',
  rollupEmissions: 'rollup_emissions',
  managedViews: 'managed_views',
  /** Listing lifecycle (docs/tables.md#listing_changes): one row per listing change. */
  listingChanges: 'listing_changes',
  /** Every consumed snapshot: compared with the previous complete one, or why not. */
  lifecycleSnapshots: 'lifecycle_snapshots',
  /** Internal: where the lifecycle consumer lands each range's records (Null; feeds the lifecycle views). */
  lifecycleLanding: 'lifecycle_landing',
  /** Internal: each listing's last state, compact (the lifecycle's memory). */
  listingState: 'listing_state',
  /** Internal: a Null table between the lifecycle views. */
  listingDiff: 'listing_diff',
  /** Market signals: inferred sales, new listings, price moves (views over the rollups below). */
  marketHourly: 'market_hourly',
  marketDaily: 'market_daily',
  marketRollupsHourly: 'market_rollups_hourly',
  marketRollupsDaily: 'market_rollups_daily',
} as const;

export type TableKey = keyof typeof TABLES;
export type TableName = (typeof TABLES)[TableKey];
