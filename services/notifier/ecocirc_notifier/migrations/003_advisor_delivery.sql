-- Each advisor may choose single emails or the digest; NULL follows the programme's default
-- (digest when ECOCIRC_ADVISOR_DIGEST_MINUTES > 0).
ALTER TABLE advisor_preferences ADD COLUMN delivery text CHECK (delivery IN ('immediate', 'digest'));
