-- Advisors steer their territory (issue 13): the pipeline a lead moves along (idea, proposed,
-- in_contact, study, in_progress, done, abandoned; withdrawn stays the matcher's), its owner, next
-- action and abandonment reason; leads advisors record by hand; what a done lead achieves; the
-- weekly reminders' ledger. Decisions still arrive from intake as events (docs/boundaries.md).

-- The first follow-up's statuses in the pipeline's words.
ALTER TABLE synergies DROP CONSTRAINT synergies_status_known;
UPDATE synergies SET status = CASE status
    WHEN 'under_review' THEN 'idea'
    WHEN 'contacted' THEN 'in_contact'
    WHEN 'accepted' THEN 'study'
    WHEN 'refused' THEN 'abandoned'
    ELSE status END;
ALTER TABLE synergies ADD CONSTRAINT synergies_status_known CHECK (
    status IN ('idea', 'proposed', 'in_contact', 'study', 'in_progress', 'done', 'abandoned', 'withdrawn')
);

ALTER TABLE synergies
    -- 'matcher': found by the matcher; 'advisor': recorded by an advisor (synergy.recorded).
    ADD COLUMN origin text NOT NULL DEFAULT 'matcher' CHECK (origin IN ('matcher', 'advisor')),
    ADD COLUMN recorded_by uuid,
    ADD COLUMN owner_id uuid,
    ADD COLUMN next_action_on date,
    ADD COLUMN abandon_reason text CHECK (
        abandon_reason IN ('distance', 'quantity', 'quality', 'regulation', 'cost', 'no_interest', 'other')
    ),
    ADD COLUMN abandon_comment text,
    -- When people last moved the lead (a decision of an advisor, or its creation): the reminders
    -- list leads nobody moved for 30 days. The matcher's revisions do not count.
    ADD COLUMN moved_at timestamptz;
UPDATE synergies SET abandon_reason = 'other' WHERE status = 'abandoned';
UPDATE synergies s SET moved_at = coalesce(
    (SELECT max(h.changed_at) FROM status_history h WHERE h.synergy_id = s.synergy_id AND h.source = 'advisor'),
    s.created_at
);
ALTER TABLE synergies ALTER COLUMN moved_at SET NOT NULL;
ALTER TABLE synergies ALTER COLUMN moved_at SET DEFAULT now();
ALTER TABLE synergies ADD CONSTRAINT synergies_abandoned_has_reason
    CHECK ((status = 'abandoned') = (abandon_reason IS NOT NULL));
CREATE INDEX synergies_open ON synergies (moved_at)
    WHERE status IN ('idea', 'proposed', 'in_contact', 'study', 'in_progress');

-- History: each row is one decision or one matcher change, with what it changed.
UPDATE status_history SET
    status = CASE status WHEN 'under_review' THEN 'idea' WHEN 'contacted' THEN 'in_contact'
                         WHEN 'accepted' THEN 'study' WHEN 'refused' THEN 'abandoned' ELSE status END,
    previous = CASE previous WHEN 'under_review' THEN 'idea' WHEN 'contacted' THEN 'in_contact'
                             WHEN 'accepted' THEN 'study' WHEN 'refused' THEN 'abandoned' ELSE previous END;
ALTER TABLE status_history
    ADD COLUMN abandon_reason text,
    ADD COLUMN abandon_comment text,
    ADD COLUMN owner_id uuid,
    ADD COLUMN next_action_on date,
    -- What the row changed: status, abandon_reason, owner_id, next_action_on, note, outcome, recorded,
    -- active (the matcher withdrew a lead people had taken up: its status stays).
    ADD COLUMN changes text[] NOT NULL DEFAULT '{}';
UPDATE status_history SET
    changes = (CASE WHEN previous IS DISTINCT FROM status THEN ARRAY['status'] ELSE '{}' END)
              || (CASE WHEN note IS NOT NULL THEN ARRAY['note'] ELSE '{}' END),
    abandon_reason = CASE WHEN status = 'abandoned' THEN 'other' END;

-- What a done lead achieves per year, as its advisor recorded it last, beside the platform's estimate.
CREATE TABLE outcomes (
    synergy_id uuid PRIMARY KEY REFERENCES synergies (synergy_id),
    tonnes_per_year double precision,
    eur_per_year double precision,
    eur_by_company jsonb NOT NULL DEFAULT '[]',
    co2e_t_per_year double precision,
    jobs double precision,
    started_on date,
    comment text,
    -- Per estimated figure: 'estimate' (the platform's, confirmed) or 'advisor' (entered, corrected).
    sources jsonb NOT NULL DEFAULT '{}',
    estimate jsonb NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    decision_id uuid NOT NULL
);

-- The weekly reminders: one email per advisor and week at most (the key), its content fixed when
-- planned so that a retry after an SMTP failure carries the same leads and Message-ID.
CREATE TABLE reminder_weeks (
    week_start date PRIMARY KEY,
    planned_at timestamptz NOT NULL
);
CREATE TABLE reminders (
    advisor_id uuid NOT NULL,
    week_start date NOT NULL REFERENCES reminder_weeks (week_start),
    email text NOT NULL,
    leads jsonb NOT NULL,
    message_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    PRIMARY KEY (advisor_id, week_start)
);
CREATE INDEX reminders_due ON reminders (next_attempt_at) WHERE status = 'pending';

-- The read contract. The v1 views keep their meaning for a reader of the first follow-up: statuses
-- in its words (an older intake during a rolling deployment). New readers use the v2 views.
CREATE OR REPLACE VIEW notifier_read.synergies_v1 AS
    SELECT synergy_id, revision, active,
           CASE status
               WHEN 'idea' THEN CASE WHEN released THEN 'proposed' ELSE 'under_review' END
               WHEN 'in_contact' THEN 'contacted'
               WHEN 'study' THEN 'accepted'
               WHEN 'in_progress' THEN 'accepted'
               WHEN 'abandoned' THEN 'refused'
               ELSE status END AS status,
           kind, score, company_ids, company_viewers, territories, released, held_by, snapshot, created_at,
           updated_at
    FROM notifier.synergies;

CREATE OR REPLACE VIEW notifier_read.status_history_v1 AS
    SELECT id, synergy_id,
           CASE status WHEN 'idea' THEN 'under_review' WHEN 'in_contact' THEN 'contacted'
                       WHEN 'study' THEN 'accepted' WHEN 'in_progress' THEN 'accepted'
                       WHEN 'abandoned' THEN 'refused' ELSE status END AS status,
           CASE previous WHEN 'idea' THEN 'under_review' WHEN 'in_contact' THEN 'contacted'
                         WHEN 'study' THEN 'accepted' WHEN 'in_progress' THEN 'accepted'
                         WHEN 'abandoned' THEN 'refused' ELSE previous END AS previous,
           source, changed_by, note, changed_at
    FROM notifier.status_history;

CREATE VIEW notifier_read.synergies_v2 AS
    SELECT synergy_id, revision, active, status, kind, score, company_ids, company_viewers, territories,
           released, held_by, snapshot, created_at, updated_at, origin, recorded_by, owner_id,
           next_action_on, abandon_reason, abandon_comment, moved_at
    FROM notifier.synergies;

CREATE VIEW notifier_read.status_history_v2 AS
    SELECT id, synergy_id, status, previous, source, changed_by, note, changed_at, abandon_reason,
           abandon_comment, owner_id, next_action_on, changes
    FROM notifier.status_history;

CREATE VIEW notifier_read.outcomes_v1 AS
    SELECT synergy_id, tonnes_per_year, eur_per_year, eur_by_company, co2e_t_per_year, jobs, started_on,
           comment, sources, estimate, recorded_by, recorded_at
    FROM notifier.outcomes;
