-- The matcher's own state: the flows it has seen (at their latest version) and the synergies it
-- has announced. Each worker's in-memory index is rebuilt from here at start and kept in step with
-- the other workers' writes through `seq` (see service_layer/matching.py).
CREATE SEQUENCE flow_seq;

CREATE TABLE flows (
    flow_id uuid PRIMARY KEY,
    version integer NOT NULL,
    active boolean NOT NULL,
    snapshot jsonb,
    -- Resource classes the flow had when written (kept on withdrawal, so other workers see it go).
    classes text[] NOT NULL,
    -- Allocated while holding the class locks: within a class, seq order is commit order.
    seq bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flows_classes ON flows USING gin (classes);
CREATE INDEX flows_seq ON flows (seq);

CREATE TABLE synergies (
    synergy_id uuid PRIMARY KEY,
    revision integer NOT NULL,
    active boolean NOT NULL,
    fingerprint text NOT NULL,
    flow_ids uuid[] NOT NULL,
    -- For mutualisation groups: the id of the (class, direction, territory) they were formed under.
    group_id uuid,
    snapshot jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX synergies_flows ON synergies USING gin (flow_ids);
CREATE INDEX synergies_groups ON synergies (group_id) WHERE active;

-- Which knowledge version the stored synergies were derived with.
CREATE TABLE state (
    key text PRIMARY KEY,
    value text NOT NULL
);
