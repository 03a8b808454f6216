-- The second stage of the engine-native ingest: each landed snapshot, with the outlier reference of
-- each of its zones, computed once per insert by the view snapshot_landing_to_enriched (the
-- reference reads zone_snapshots' history). The views that write snapshots, section_snapshots,
-- zone_snapshots and raw_listings read from here. Null engine: it keeps nothing.
CREATE TABLE IF NOT EXISTS snapshot_enriched AS snapshot_landing ENGINE = Null;
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS ref_zone_nos Array(UInt32);
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS ref_values Array(Float64);
ALTER TABLE snapshot_enriched ADD COLUMN IF NOT EXISTS ref_counts Array(UInt64);
