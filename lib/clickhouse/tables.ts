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
  zoneRollupsHourly: 'zone_rollups_hourly',
  zoneRollupsDaily: 'zone_rollups_daily',
  zoneHourly: 'zone_hourly',
  zoneDaily: 'zone_daily',
  scrapeJobs: 'scrape_jobs',
  scraperLogs: 'scraper_logs',
  sinkOffsets: 'sink_offsets',
  rollupEmissions: 'rollup_emissions',
  managedViews: 'managed_views',
} as const;

export type TableKey = keyof typeof TABLES;
export type TableName = (typeof TABLES)[TableKey];
