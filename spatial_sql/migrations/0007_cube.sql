-- The OLAP hex cube: additive measures of customers and interactions on the finest H3 cell
-- (res 11) by every dimension a map filter can ask for, the context of each cell (foot
-- traffic, buildings, households), and the unfiltered totals per cell precomputed at every
-- resolution 5..11. `geocrm.cube.build_cube` rebuilds all of it in one transaction; the
-- derived measures (means, penetration) are computed at query time from the additive ones.

CREATE SCHEMA IF NOT EXISTS cube;
COMMENT ON SCHEMA cube IS 'The OLAP hex cube (geocrm/cube.py): facts per H3 res-11 cell and dimension, cell context, precomputed roll-ups.';

-- Sums are numeric (exact) so that a total gives the same answer whichever path and
-- whatever order added it up: the precomputed roll-up and the query-time aggregation agree
-- to the last digit.
CREATE TABLE cube.facts (
    h3_11            bigint NOT NULL,
    stage            text NOT NULL,
    segment          text,
    kind             text NOT NULL,
    building_class   text,
    store_id         integer,
    rep_id           integer,
    territory_id     bigint,
    customers        integer NOT NULL,
    prospects        integer NOT NULL,
    revenue          numeric NOT NULL,
    ltv              numeric NOT NULL,
    satisfaction_sum numeric NOT NULL,
    satisfaction_n   integer NOT NULL,
    churn_sum        numeric NOT NULL,
    churn_n          integer NOT NULL,
    orders           integer NOT NULL,
    support_requests integer NOT NULL,
    complaints       integer NOT NULL,
    visits           integer NOT NULL,
    survey_responses integer NOT NULL,
    campaign_responses integer NOT NULL
);
CREATE INDEX facts_h3_idx ON cube.facts (h3_11);
COMMENT ON TABLE cube.facts IS 'Hex cube facts: one row per res-11 cell x stage x segment x kind x building_class x nearest store x rep x territory, with additive measures of the enriched customers and their interactions.';
COMMENT ON COLUMN cube.facts.customers IS 'Customers past the prospect stage.';
COMMENT ON COLUMN cube.facts.prospects IS 'Customers at the prospect stage.';
COMMENT ON COLUMN cube.facts.revenue IS 'Sum of annual_revenue.';
COMMENT ON COLUMN cube.facts.ltv IS 'Sum of lifetime_value (may be negative).';
COMMENT ON COLUMN cube.facts.satisfaction_sum IS 'Sum of satisfaction over the satisfaction_n customers that have one (mean = sum / n).';
COMMENT ON COLUMN cube.facts.churn_sum IS 'Sum of churn_risk over the churn_n customers that have one (mean = sum / n).';
COMMENT ON COLUMN cube.facts.store_id IS 'The customer''s nearest store by network time (crm.customer_enrichment.nearest_store_id).';
COMMENT ON COLUMN cube.facts.rep_id IS 'The owner rep (crm.customers.assigned_rep_id).';
COMMENT ON COLUMN cube.facts.orders IS 'Interactions of type order (likewise support_requests, complaints, visits, survey_responses, campaign_responses).';

CREATE TABLE cube.cell_context (
    h3_11         bigint PRIMARY KEY,
    footfall_sum  numeric NOT NULL,
    footfall_n    integer NOT NULL,
    addressable_buildings integer NOT NULL,
    households    numeric NOT NULL
);
COMMENT ON TABLE cube.cell_context IS 'What is in each res-11 cell whoever the customers are: foot traffic of walk segments, addressable buildings, households.';
COMMENT ON COLUMN cube.cell_context.footfall_sum IS 'Sum of footfall_index (0-100) of the footfall_n walk-network segments whose h3_11 is the cell (mean = sum / n).';
COMMENT ON COLUMN cube.cell_context.addressable_buildings IS 'Residential, commercial, retail and office buildings.';
COMMENT ON COLUMN cube.cell_context.households IS 'Sum of ref.buildings.households_est.';

CREATE TABLE cube.rollup (
    res           smallint NOT NULL CHECK (res BETWEEN 5 AND 11),
    h3            bigint NOT NULL,
    customers     bigint NOT NULL,
    prospects     bigint NOT NULL,
    revenue       numeric NOT NULL,
    ltv           numeric NOT NULL,
    satisfaction_sum numeric NOT NULL,
    satisfaction_n bigint NOT NULL,
    churn_sum     numeric NOT NULL,
    churn_n       bigint NOT NULL,
    orders        bigint NOT NULL,
    support_requests bigint NOT NULL,
    complaints    bigint NOT NULL,
    visits        bigint NOT NULL,
    survey_responses bigint NOT NULL,
    campaign_responses bigint NOT NULL,
    footfall_sum  numeric NOT NULL,
    footfall_n    bigint NOT NULL,
    addressable_buildings bigint NOT NULL,
    households    numeric NOT NULL,
    PRIMARY KEY (res, h3)
);
COMMENT ON TABLE cube.rollup IS 'Unfiltered totals of cube.facts and cube.cell_context per H3 cell at every resolution 5..11 (GROUPING SETS); answers the common, unfiltered map.';

CREATE TABLE cube.builds (
    built_at   timestamptz NOT NULL DEFAULT now(),
    seconds    jsonb NOT NULL,
    summary    jsonb NOT NULL
);
COMMENT ON TABLE cube.builds IS 'The last cube build (one row): when, how long each step took, row counts and the dimension values found (used to validate filters).';
