-- The matcher's own state: the flows it has seen (at their latest version) and the synergies it
-- has announced. The in-memory index is rebuilt from here at every start.
CREATE TABLE flows (
    flow_id uuid PRIMARY KEY,
    version integer NOT NULL,
    active boolean NOT NULL,
    snapshot jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE synergies (
    synergy_id uuid PRIMARY KEY,
    revision integer NOT NULL,
    active boolean NOT NULL,
    fingerprint text NOT NULL,
    snapshot jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE state (
    key text PRIMARY KEY,
    value text NOT NULL
);
