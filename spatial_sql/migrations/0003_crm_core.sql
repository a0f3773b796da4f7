-- Core CRM entities. customer_id is the natural distribution key (Citus) of customers
-- and interactions. Every customer row carries its access-scoping keys: region,
-- territory_id and assigned_rep_id (the owner), so that row-level security can later
-- decide who sees what in the database itself.

CREATE TABLE crm.reps (
    rep_id      serial PRIMARY KEY,
    external_id text NOT NULL UNIQUE,
    name        text NOT NULL,
    email       text,
    region      text NOT NULL,
    home_base   geometry(Point, 4326) NOT NULL,
    home_address text,
    active      boolean NOT NULL DEFAULT true,
    source      text NOT NULL DEFAULT 'import'
);
CREATE INDEX reps_home_base_gist ON crm.reps USING gist (home_base);

CREATE TABLE crm.stores (
    store_id    serial PRIMARY KEY,
    external_id text NOT NULL UNIQUE,
    name        text NOT NULL,
    region      text NOT NULL,
    size_m2     double precision NOT NULL CHECK (size_m2 > 0),
    attractiveness double precision NOT NULL DEFAULT 1 CHECK (attractiveness > 0),
    opened_on   date,
    address     text,
    geom        geometry(Point, 4326) NOT NULL,
    source      text NOT NULL DEFAULT 'import'
);
CREATE INDEX stores_geom_gist ON crm.stores USING gist (geom);
COMMENT ON COLUMN crm.stores.attractiveness IS 'Huff-model attractiveness; defaults to 1, demo data derives it from size_m2.';

CREATE TABLE crm.customers (
    customer_id      bigserial PRIMARY KEY,
    external_id      text NOT NULL UNIQUE,
    name             text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('person', 'business')),
    address          text,
    postcode         text,
    city             text,
    segment          text,
    stage            text NOT NULL DEFAULT 'prospect' CHECK (stage IN
        ('prospect', 'customer', 'client', 'supporter', 'advocate', 'partner')),
    annual_revenue   numeric(14, 2) NOT NULL DEFAULT 0 CHECK (annual_revenue >= 0),
    lifetime_value   numeric(14, 2) NOT NULL DEFAULT 0,
    satisfaction     real CHECK (satisfaction BETWEEN 0 AND 10),
    churn_risk       real CHECK (churn_risk BETWEEN 0 AND 1),
    assigned_rep_id  integer REFERENCES crm.reps ON DELETE SET NULL,
    relationship_start date,
    region           text NOT NULL,
    territory_id     bigint,
    geom             geometry(Point, 4326),
    geocode_match_level text CHECK (geocode_match_level IN
        ('address', 'interpolated', 'street', 'poi', 'postcode', 'none', 'manual', 'provided')),
    geocode_confidence  real CHECK (geocode_confidence BETWEEN 0 AND 1),
    geocoded_address    text,
    geocoded_at         timestamptz,
    source           text NOT NULL DEFAULT 'import',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_geom_gist ON crm.customers USING gist (geom);
CREATE INDEX customers_rep_idx ON crm.customers (assigned_rep_id);
CREATE INDEX customers_scope_idx ON crm.customers (region, territory_id);
COMMENT ON COLUMN crm.customers.stage IS 'Relationship ladder: prospect -> customer -> client -> supporter -> advocate -> partner.';
COMMENT ON COLUMN crm.customers.satisfaction IS 'Latest satisfaction score, 0..10.';
COMMENT ON COLUMN crm.customers.churn_risk IS 'Probability of churn in the next 12 months, 0..1.';
COMMENT ON COLUMN crm.customers.assigned_rep_id IS 'The owner rep: who works this account (also an access-scoping key).';
COMMENT ON COLUMN crm.customers.territory_id IS 'Territory of the customer in the active plan (set when a plan is published).';
COMMENT ON COLUMN crm.customers.geocode_match_level IS 'How geom was found: geocoder levels, manual pin, or provided by the source.';

CREATE TABLE crm.interactions (
    interaction_id bigserial PRIMARY KEY,
    customer_id    bigint NOT NULL REFERENCES crm.customers ON DELETE CASCADE,
    type           text NOT NULL CHECK (type IN
        ('order', 'support_request', 'complaint', 'visit', 'survey_response', 'campaign_response')),
    channel        text NOT NULL CHECK (channel IN
        ('store', 'web', 'phone', 'email', 'field', 'mail')),
    occurred_at    timestamptz NOT NULL,
    amount         numeric(14, 2),
    rep_id         integer REFERENCES crm.reps ON DELETE SET NULL,
    score          real,
    source         text NOT NULL DEFAULT 'import'
);
CREATE INDEX interactions_customer_idx ON crm.interactions (customer_id, occurred_at);
CREATE INDEX interactions_time_idx ON crm.interactions (occurred_at);
COMMENT ON TABLE crm.interactions IS 'Contact history shared by every channel: one row per order, request, complaint, visit, survey or campaign response.';
COMMENT ON COLUMN crm.interactions.score IS 'Survey score 0..10 for survey responses; NULL otherwise.';

CREATE TABLE crm.demo_runs (
    run_id     serial PRIMARY KEY,
    dataset_id integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    customers  integer NOT NULL,
    seed       bigint NOT NULL,
    generated_at timestamptz NOT NULL DEFAULT now(),
    import_file text
);
COMMENT ON TABLE crm.demo_runs IS 'What `geocrm demo-data` generated last, so re-runs with the same settings are skipped.';
