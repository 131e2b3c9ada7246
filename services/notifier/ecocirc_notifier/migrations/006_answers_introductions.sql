-- Companies answer their leads (issue 12): « Ça m'intéresse », or « Pas pour nous » with a reason.
-- Intake takes the answer and sends it as a decision event (synergy.answered); the notifier records
-- it in the lead's history and, at the last yes, introduces the companies to each other and moves
-- the lead to in contact by itself (ecocirc_shared.answers).

-- An answer is a line of the lead's history written by a company.
ALTER TABLE status_history DROP CONSTRAINT status_history_source_check;
ALTER TABLE status_history ADD CONSTRAINT status_history_source_check
    CHECK (source IN ('matcher', 'advisor', 'company'));

-- Each company's latest answer per announcement round (synergies.reopened): a lead withdrawn and
-- proposed again asks again.
CREATE TABLE answers (
    synergy_id uuid NOT NULL REFERENCES synergies (synergy_id),
    round integer NOT NULL,
    company_id uuid NOT NULL,
    answer text NOT NULL CHECK (answer IN ('interested', 'declined')),
    reason text CHECK (reason IN ('distance', 'quantity', 'quality', 'regulation', 'cost', 'already_solved',
                                  'no_interest', 'other')),
    comment text,
    channel text NOT NULL CHECK (channel IN ('api', 'web', 'email')),
    decision_id uuid NOT NULL,
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (synergy_id, round, company_id),
    CHECK (answer = 'declined' OR reason IS NULL)
);

-- When every company of a round said yes: the introduction emails were queued then, once.
CREATE TABLE introductions (
    synergy_id uuid NOT NULL REFERENCES synergies (synergy_id),
    round integer NOT NULL,
    introduced_at timestamptz NOT NULL,
    decision_id uuid NOT NULL,
    PRIMARY KEY (synergy_id, round)
);

-- The Message-ID an email went out with: a proposal sent with others in one email (several leads
-- for one person within the hold) carries the Message-ID of that email, not its own.
ALTER TABLE deliveries ADD COLUMN sent_message_id text;

-- The read contract: answers and introductions of the current round.
CREATE VIEW notifier_read.answers_v1 AS
    SELECT a.synergy_id, a.company_id, a.answer, a.reason, a.comment, a.channel, a.answered_at
    FROM notifier.answers a JOIN notifier.synergies s USING (synergy_id)
    WHERE a.round = s.reopened;

CREATE VIEW notifier_read.introductions_v1 AS
    SELECT i.synergy_id, i.introduced_at
    FROM notifier.introductions i JOIN notifier.synergies s USING (synergy_id)
    WHERE i.round = s.reopened;
