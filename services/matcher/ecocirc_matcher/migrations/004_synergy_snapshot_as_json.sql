-- A synergy's snapshot is kept for people and tests to read, never searched inside by the matcher:
-- stored as json (the text, checked) rather than jsonb (parsed into a binary tree), PostgreSQL no
-- longer takes apart the ~1.5 KB of each of the thousands of snapshots a busy worker writes a second.
-- `->` and `->>` read json as they read jsonb.
ALTER TABLE synergies ALTER COLUMN snapshot TYPE json USING snapshot::json;
