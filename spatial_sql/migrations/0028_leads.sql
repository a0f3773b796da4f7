-- Prospecting (issue 16): the businesses of each loaded city that are not yet customers,
-- as leads. crm.leads is rebuilt from the city (`geocrm leads build`); what people decide
-- about a lead (its status, the rep it went to) lives in crm.lead_status, keyed by the
-- same stable id, so that a rebuild never loses it.

-- Contact details a customer file may bring (optional): leads are matched on them too.
ALTER TABLE crm.customers
    ADD COLUMN phone   text,
    ADD COLUMN email   text,
    ADD COLUMN website text;
COMMENT ON COLUMN crm.customers.phone IS 'Phone number as imported (optional); leads match on its digits.';
COMMENT ON COLUMN crm.customers.website IS 'Web site as imported (optional); leads match on its host name without www.';

CREATE TABLE crm.leads (
    lead_id        text PRIMARY KEY,
    dataset_id     integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    osm_type       text NOT NULL CHECK (osm_type IN ('node', 'way', 'relation')),
    osm_id         bigint NOT NULL,
    origin         text NOT NULL CHECK (origin IN ('poi', 'building')),
    name           text,
    category       text NOT NULL,
    subcategory    text,
    address        text,
    building_id    bigint,
    building_class text,
    floor_area_m2  real,
    footfall_index real,
    trade_area_ids integer[] NOT NULL DEFAULT '{}',
    nearest_store_id integer,
    nearest_store_minutes real,
    nearest_store_mode text CHECK (nearest_store_mode IN ('walk', 'drive')),
    h3_11          bigint NOT NULL,
    phone          text,
    email          text,
    website        text,
    score          real CHECK (score BETWEEN 0 AND 1),
    reasons        text[] NOT NULL DEFAULT '{}',
    geom           geometry(Point, 4326) NOT NULL,
    built_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (osm_type, osm_id)
);
CREATE INDEX leads_geom_gist ON crm.leads USING gist (geom);
CREATE INDEX leads_h3_idx ON crm.leads (h3_11);
CREATE INDEX leads_dataset_idx ON crm.leads (dataset_id);
COMMENT ON TABLE crm.leads IS 'Businesses and addressable non-residential buildings of a loaded city that are not customers (geocrm leads build).';
COMMENT ON COLUMN crm.leads.lead_id IS 'Stable across rebuilds: the OSM object, n<id> (node), w<id> (way) or r<id> (relation).';
COMMENT ON COLUMN crm.leads.origin IS 'poi: a business point of interest; building: an addressable non-residential building with no business POI inside.';
COMMENT ON COLUMN crm.leads.floor_area_m2 IS 'Estimated floor area of the building the lead is in: footprint x levels.';
COMMENT ON COLUMN crm.leads.footfall_index IS 'Footfall index (0-100) of the walkable street segment in front (nearest within 60 m).';
COMMENT ON COLUMN crm.leads.score IS 'Lookalike score 0..1 from the current model; NULL when no model beats random.';
COMMENT ON COLUMN crm.leads.reasons IS 'The three features that raise the score most, as short texts.';

CREATE TABLE crm.lead_status (
    lead_id         text PRIMARY KEY,
    status          text NOT NULL DEFAULT 'new' CHECK (status IN
        ('new', 'contacted', 'disqualified', 'do_not_contact', 'assigned')),
    assigned_rep_id integer REFERENCES crm.reps ON DELETE SET NULL,
    customer_id     bigint REFERENCES crm.customers ON DELETE SET NULL,
    updated_by      integer,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_status_rep_idx ON crm.lead_status (assigned_rep_id);
COMMENT ON TABLE crm.lead_status IS 'What people decided about a lead; no foreign key to crm.leads, so that it outlives rebuilds.';
COMMENT ON COLUMN crm.lead_status.customer_id IS 'The prospect customer (source = lead) the lead became when it was assigned.';
