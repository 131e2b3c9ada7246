-- The read model people query, and the ledger that makes each (news, recipient) one email.
CREATE TABLE synergies (
    synergy_id uuid PRIMARY KEY,
    revision integer NOT NULL,
    active boolean NOT NULL,
    status text NOT NULL,
    kind text NOT NULL,
    score double precision NOT NULL,
    company_ids uuid[] NOT NULL,
    territories text[] NOT NULL,
    snapshot jsonb NOT NULL,
    reopened integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX synergies_companies ON synergies USING gin (company_ids);
CREATE INDEX synergies_territories ON synergies USING gin (territories);
CREATE INDEX synergies_rank ON synergies (score DESC, synergy_id);

CREATE TABLE deliveries (
    news_key text PRIMARY KEY,
    synergy_id uuid NOT NULL,
    news_kind text NOT NULL,
    recipient_kind text NOT NULL,
    recipient_id uuid NOT NULL,
    email text NOT NULL,
    news jsonb NOT NULL,
    recipient jsonb NOT NULL,
    message_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_synergy ON deliveries (synergy_id, status);
