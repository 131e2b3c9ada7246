-- Tokens given to advisors and companies expire (ECOCIRC_TOKEN_TTL_DAYS); the configured admin token,
-- and tokens issued before this migration, have no expiry (NULL).
ALTER TABLE tokens ADD COLUMN expires_at timestamptz;
