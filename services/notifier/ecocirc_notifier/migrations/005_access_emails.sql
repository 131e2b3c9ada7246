-- Emails people ask for themselves (sign-in links): one row per request event, so that a replayed
-- event sends nothing twice. The link itself is not stored: it is derived from the event when sent.
CREATE TABLE access_emails (
    event_id uuid PRIMARY KEY,
    kind text NOT NULL,
    email text NOT NULL,
    status text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'expired')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
