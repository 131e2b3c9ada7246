-- The notifier owns follow-up and email preferences; intake no longer writes here. Decisions taken
-- in intake arrive as events (ecocirc.decision-events.v1) and are applied here; intake reads what it
-- serves through the notifier_read views below (its read contract), never these tables.

-- Whether and how each company or advisor hears of synergies (replaces advisor_preferences, which
-- intake used to write, and intake.companies.email_opt_out, handed over by intake as events).
CREATE TABLE email_preferences (
    recipient_kind text NOT NULL CHECK (recipient_kind IN ('company', 'advisor')),
    recipient_id uuid NOT NULL,
    opted_out boolean NOT NULL DEFAULT false,
    -- NULL: the programme's default (the digest when ECOCIRC_ADVISOR_DIGEST_MINUTES > 0).
    delivery text CHECK (delivery IN ('immediate', 'digest')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient_kind, recipient_id)
);
INSERT INTO email_preferences (recipient_kind, recipient_id, opted_out, delivery, updated_at)
    SELECT 'advisor', advisor_id, opted_out, delivery, updated_at FROM advisor_preferences;
DROP TABLE advisor_preferences;

-- Each decision applied, with its outcome: applying one twice changes nothing, and intake can tell
-- its caller once the decision is applied.
CREATE TABLE applied_decisions (
    decision_id uuid PRIMARY KEY,
    kind text NOT NULL,
    outcome text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The territories in review mode that hold a synergy's companies: only an advisor covering all of
-- them may release or drop what they hold.
ALTER TABLE synergies ADD COLUMN held_by text[] NOT NULL DEFAULT '{}';
UPDATE synergies SET held_by = territories WHERE NOT released;

-- What the programme sends, as the notifier runs it (written at each start).
CREATE TABLE programme (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    advisor_digest_minutes integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The read contract. A view changes meaning only under a new name (_v2), the old one kept until no
-- reader is left.
CREATE SCHEMA IF NOT EXISTS notifier_read;

CREATE VIEW notifier_read.synergies_v1 AS
    SELECT synergy_id, revision, active, status, kind, score, company_ids, company_viewers, territories,
           released, held_by, snapshot, created_at, updated_at
    FROM notifier.synergies;

CREATE VIEW notifier_read.status_history_v1 AS
    SELECT id, synergy_id, status, previous, source, changed_by, note, changed_at
    FROM notifier.status_history;

CREATE VIEW notifier_read.deliveries_v1 AS
    SELECT news_key, synergy_id, news_kind, recipient_kind, recipient_id, email, status, attempts,
           last_error, digest, created_at, next_attempt_at, sent_at,
           ARRAY(SELECT jsonb_array_elements_text(recipient -> 'territories')) AS recipient_territories
    FROM notifier.deliveries;

CREATE VIEW notifier_read.review_territories_v1 AS
    SELECT territory, enabled_by, enabled_at FROM notifier.review_territories;

CREATE VIEW notifier_read.email_preferences_v1 AS
    SELECT recipient_kind, recipient_id, opted_out, delivery, updated_at FROM notifier.email_preferences;

CREATE VIEW notifier_read.decisions_v1 AS
    SELECT decision_id, kind, outcome, applied_at FROM notifier.applied_decisions;

CREATE VIEW notifier_read.programme_v1 AS
    SELECT advisor_digest_minutes FROM notifier.programme;
