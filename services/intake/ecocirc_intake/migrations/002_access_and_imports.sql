-- Token lifecycle (rotation, revocation), company updates, and advisors' spreadsheet imports.
ALTER TABLE tokens ADD COLUMN revoked_reason text CHECK (revoked_reason IN ('rotated', 'revoked', 'replaced'));
CREATE INDEX tokens_advisor ON tokens (advisor_id) WHERE advisor_id IS NOT NULL;
CREATE INDEX tokens_company ON tokens (company_id) WHERE company_id IS NOT NULL;

ALTER TABLE companies ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- An import recognises a company it already knows by SIRET, else by name and commune.
CREATE INDEX companies_name_commune ON companies (lower(name), commune_insee);

-- A flow created by an import carries the key of its row (company, direction, category, label), so
-- the same spreadsheet sent again finds it instead of declaring it twice.
ALTER TABLE flows ADD COLUMN import_key text;
CREATE UNIQUE INDEX flows_import_key ON flows (company_id, import_key) WHERE active AND import_key IS NOT NULL;
-- Filters of GET /v1/companies/{id}/flows.
CREATE INDEX flows_company_kind ON flows (company_id, (snapshot ->> 'direction'), (snapshot ->> 'category'));

CREATE TABLE imports (
    id uuid PRIMARY KEY,
    advisor_id uuid NOT NULL REFERENCES advisors (id),
    file_sha256 bytea NOT NULL,
    filename text,
    summary jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imports_advisor ON imports (advisor_id, created_at);

-- Flows declared in one transaction (an import) keep the order of their rows when listed.
ALTER TABLE flows ALTER COLUMN created_at SET DEFAULT clock_timestamp();
