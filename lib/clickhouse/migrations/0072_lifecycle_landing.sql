-- The listing lifecycle gets its own landing table and its own consumer group (issue 12). Its views
-- (consumers/lifecycle/views.ts) cost more per listing than every metric together, so they no longer
-- run inside the metrics consumer's insert: the lifecycle consumer (group `<group>-lifecycle`) reads
-- the same snapshot topic and inserts each offset range's records here, under its own ledger and
-- tokens (docs/exactly-once.md). Same columns as snapshot_landing: a later column added there must be
-- added here too.
CREATE TABLE IF NOT EXISTS lifecycle_landing AS snapshot_landing ENGINE = Null;
