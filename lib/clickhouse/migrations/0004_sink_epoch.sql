-- A replay (tws replay) writes ranges the sink already wrote once; a new epoch in the ledger gives
-- those writes new dedup tokens, so ClickHouse does not drop them as repeats of the first time.
ALTER TABLE sink_offsets ADD COLUMN IF NOT EXISTS epoch UInt64 DEFAULT 0;
