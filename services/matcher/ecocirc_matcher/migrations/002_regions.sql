-- Regions (domain/regions.py): workers lock, load and re-derive by region rather than for the whole
-- country, and hold in memory only the flows their regions may need.

-- The region of the flow's site now (NULL once withdrawn).
ALTER TABLE flows ADD COLUMN home integer;
-- Every region the flow was ever at home in: a worker that read it in one finds it when it moves
-- (each write locks them all, so within a region seq order is commit order).
ALTER TABLE flows ADD COLUMN regions integer[] NOT NULL DEFAULT '{}';
-- The regions whose events may need this flow (within its visibility), per the knowledge that
-- wrote it: which workers load it.
ALTER TABLE flows ADD COLUMN sees integer[] NOT NULL DEFAULT '{}';
ALTER TABLE flows ADD COLUMN knowledge text;

-- The grid of domain/regions.py, for the flows stored before it.
UPDATE flows SET
    home = CASE WHEN active THEN
        floor(((snapshot->'site'->>'lat')::float8 + 90.0) / 0.5)::int * 1000
        + floor(((snapshot->'site'->>'lon')::float8 + 180.0) / 0.75)::int END,
    regions = CASE WHEN active THEN ARRAY[
        floor(((snapshot->'site'->>'lat')::float8 + 90.0) / 0.5)::int * 1000
        + floor(((snapshot->'site'->>'lon')::float8 + 180.0) / 0.75)::int] ELSE '{}' END;

CREATE INDEX flows_sees ON flows USING gin (sees) WHERE active;
CREATE INDEX flows_regions ON flows USING gin (regions);
CREATE INDEX flows_home ON flows (home) WHERE active;

-- The region that re-derives the synergy: its offer's, or its group area's.
ALTER TABLE synergies ADD COLUMN owner integer;
CREATE INDEX synergies_owner ON synergies (owner) WHERE active;

-- Regions re-derived with a knowledge version (state.knowledge_version is set once all are).
CREATE TABLE regions_derived (
    region integer PRIMARY KEY,
    knowledge text NOT NULL
);

-- The synergies stored before regions have no owner: re-derive them all, region by region.
DELETE FROM state WHERE key = 'knowledge_version';
