-- Whether an emission of a window was its final one (the late-data horizon had passed), so a
-- restarted consumer does not announce the window's finality twice.
ALTER TABLE rollup_emissions ADD COLUMN IF NOT EXISTS final Bool DEFAULT false;
