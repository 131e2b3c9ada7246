-- Advisors can be deactivated and changed (PATCH /v1/advisors/{id}); the admin has no mailbox unless
-- one is configured (ECOCIRC_ADMIN_EMAIL): admin@localhost was never anyone's address.
ALTER TABLE advisors ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE advisors ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE advisors ALTER COLUMN email DROP NOT NULL;
UPDATE advisors SET email = NULL WHERE is_admin AND email = 'admin@localhost';

-- The read contract: who to write to, and what they agreed to, as the notifier reads it. A view
-- changes meaning only under a new name (_v2), the old one kept until no reader is left.
CREATE SCHEMA IF NOT EXISTS intake_read;

CREATE VIEW intake_read.companies_v1 AS
    SELECT id, name, contact_email, naf_code, city, territory, consent_to_be_named
    FROM intake.companies;

CREATE VIEW intake_read.advisors_v1 AS
    SELECT id, name, email, territories, active, is_admin FROM intake.advisors;

-- Email opt-outs now belong to the notifier: hand the ones recorded here over as decision events
-- (intake stops reading and writing companies.email_opt_out). A fresh database has no outbox yet,
-- and nothing to hand over.
DO $$
BEGIN
    IF to_regclass('intake.outbox') IS NOT NULL THEN
        INSERT INTO intake.outbox (event_id, topic, key, payload)
        SELECT e.id, 'ecocirc.decision-events.v1', 'company:' || c.id,
               convert_to(
                   jsonb_build_object(
                       'event_id', e.id,
                       'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'schema_version', 1,
                       'event_type', 'recipient.email_preferences_changed',
                       'recipient_kind', 'company',
                       'recipient_id', c.id,
                       'opted_out', true
                   )::text,
                   'UTF8'
               )
        FROM intake.companies c CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id) e
        WHERE c.email_opt_out;
    END IF;
END $$;
