-- Who may see each synergy, advisors' follow-up with history, review mode, digests and preferences.

-- Companies that may read a synergy through the API: its participants once it is released to them
-- (at once, or after an advisor's approval in review mode). Kept here so that scoping, totals and
-- pagination are one SQL query.
ALTER TABLE synergies ADD COLUMN released boolean NOT NULL DEFAULT true;
ALTER TABLE synergies ADD COLUMN company_viewers uuid[] NOT NULL DEFAULT '{}';
UPDATE synergies SET company_viewers = company_ids;
CREATE INDEX synergies_company_viewers ON synergies USING gin (company_viewers);
ALTER TABLE synergies ADD CONSTRAINT synergies_status_known CHECK (
    status IN ('proposed', 'under_review', 'contacted', 'accepted', 'refused', 'done', 'withdrawn')
);

CREATE TABLE status_history (
    id bigserial PRIMARY KEY,
    synergy_id uuid NOT NULL REFERENCES synergies (synergy_id),
    status text NOT NULL,
    previous text,
    source text NOT NULL CHECK (source IN ('matcher', 'advisor')),
    changed_by uuid,
    note text,
    changed_at timestamptz NOT NULL
);
CREATE INDEX status_history_synergy ON status_history (synergy_id, id);

-- Territories whose companies are emailed only after an advisor approves the synergy.
CREATE TABLE review_territories (
    territory text PRIMARY KEY,
    enabled_by uuid,
    enabled_at timestamptz NOT NULL DEFAULT now()
);

-- Advisors live in intake's tables; what they chose about emails lives with the notifier.
CREATE TABLE advisor_preferences (
    advisor_id uuid PRIMARY KEY,
    opted_out boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- 'held': waiting for an advisor's approval (review mode). Digest rows are sent together, as the
-- batch named by batch_key once it is planned, so that a retried digest keeps its Message-ID.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('held', 'pending', 'sent', 'failed', 'cancelled'));
ALTER TABLE deliveries ADD COLUMN digest boolean NOT NULL DEFAULT false;
ALTER TABLE deliveries ADD COLUMN batch_key text;
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending' AND NOT digest;
CREATE INDEX deliveries_digest ON deliveries (recipient_id, created_at) WHERE status = 'pending' AND digest;
CREATE INDEX deliveries_batch ON deliveries (batch_key) WHERE batch_key IS NOT NULL;
