-- Scrape jobs that a stop ended count their unfinished events as cancelled, not failed.
ALTER TABLE scrape_jobs ADD COLUMN IF NOT EXISTS events_cancelled UInt32 DEFAULT 0 AFTER events_failed;
