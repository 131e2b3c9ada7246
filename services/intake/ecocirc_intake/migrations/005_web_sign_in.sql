-- Passwordless sign-in for the web pages: single-use emailed links, and the sessions they open.
-- Neither table holds a usable secret: a link's token is an HMAC of its id under the link key, and
-- only the SHA-256 of a link token or of a session cookie is kept.
CREATE TABLE sign_in_links (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX sign_in_links_expiry ON sign_in_links (expires_at);

-- A session belongs to an address; the account it acts for (a company or an advisor) is chosen at
-- sign-in, or afterwards when the address is the contact of several.
CREATE TABLE web_sessions (
    token_hash bytea PRIMARY KEY,
    email text NOT NULL,
    company_id uuid REFERENCES companies (id),
    advisor_id uuid REFERENCES advisors (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK (company_id IS NULL OR advisor_id IS NULL)
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- Sign-in finds the accounts of an address whatever its case.
CREATE INDEX companies_contact_email ON companies (lower(contact_email));
CREATE INDEX advisors_email ON advisors (lower(email));
