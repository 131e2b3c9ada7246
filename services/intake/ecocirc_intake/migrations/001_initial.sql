-- Intake owns companies, advisors and flows; flow_versions keeps every version ever declared.
CREATE TABLE advisors (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    territories text[] NOT NULL,
    is_admin boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE companies (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    naf_code text NOT NULL,
    contact_email text NOT NULL,
    siret text UNIQUE,
    postcode text,
    city text,
    commune_insee text,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    territory text NOT NULL,
    consent_to_be_named boolean NOT NULL DEFAULT false,
    email_opt_out boolean NOT NULL DEFAULT false,
    created_by uuid REFERENCES advisors (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX companies_territory ON companies (territory);

-- A token belongs to exactly one principal; only its SHA-256 is stored (tokens are 256-bit random).
CREATE TABLE tokens (
    token_hash bytea PRIMARY KEY,
    advisor_id uuid REFERENCES advisors (id),
    company_id uuid REFERENCES companies (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK ((advisor_id IS NULL) <> (company_id IS NULL))
);

CREATE TABLE flows (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL REFERENCES companies (id),
    version integer NOT NULL,
    active boolean NOT NULL DEFAULT true,
    snapshot jsonb NOT NULL,
    -- The body as declared (e.g. hazardous as the company said it), which a PATCH merges into;
    -- snapshot holds the effective values the matcher uses (hazardous forced by the EWC code).
    declared jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz
);
CREATE INDEX flows_company ON flows (company_id, created_at);

CREATE TABLE flow_versions (
    flow_id uuid NOT NULL REFERENCES flows (id),
    version integer NOT NULL,
    change text NOT NULL CHECK (change IN ('declared', 'revised', 'withdrawn')),
    snapshot jsonb,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by uuid,
    PRIMARY KEY (flow_id, version)
);
