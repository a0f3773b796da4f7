-- A fresh hex cube without full rebuilds, and the month-of-activity dimension.
--
-- * cube.dirty_cells: the res-11 cells whose facts are out of date, queued by statement
--   triggers (transition tables: one set-based INSERT per statement, whatever its size) on
--   crm.customer_enrichment (a customer enriched, dropped or moved: its old and new cell),
--   crm.customers (an attribute of an enriched customer that the cube counts changed) and
--   crm.interactions. `geocrm.cube.refresh_cube` recomputes the facts of those cells and the
--   roll-ups of their ancestors in one short transaction; `build_cube` empties the queue.
-- * cube.activity_facts: cube.facts per month of activity, for the `month` filter.

-- Append-only on purpose, no primary key: a writer always adds its own rows, never finds
-- (and skips) a row that a concurrent refresh is about to delete. A refresh deletes the rows
-- its snapshot sees, so a change committed after that snapshot keeps its rows for the next
-- refresh: nothing is lost and no writer ever waits for a refresh.
CREATE TABLE cube.dirty_cells (
    h3_11     bigint NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cube.dirty_cells IS 'Queue of res-11 cells whose cube facts are out of date (filled by triggers on crm.customer_enrichment, crm.customers, crm.interactions; emptied by geocrm.cube.refresh_cube and build_cube). A cell may be queued several times.';

CREATE TABLE cube.activity_facts (
    month            date NOT NULL,
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
-- a month filter reads one month (optionally one cell's descendants); a refresh replaces cells
CREATE INDEX activity_facts_month_h3_idx ON cube.activity_facts (month, h3_11);
CREATE INDEX activity_facts_h3_idx ON cube.activity_facts (h3_11);
COMMENT ON TABLE cube.activity_facts IS 'Hex cube facts per month of activity: one row per month x res-11 cell x the dimensions of cube.facts, for the customers with at least one interaction that month (month = cube.activity_month(occurred_at)). Customer measures (customers, prospects, revenue, ltv, satisfaction, churn) are those of these customers; interaction counts are that month''s only. Sum over cells of one month = that month''s active customers and interactions; never add months together (a customer active in two months is in both).';
COMMENT ON COLUMN cube.activity_facts.month IS 'First day of the month of activity (UTC), see cube.activity_month().';

ALTER TABLE cube.builds ADD COLUMN refreshed_at timestamptz,
    ADD COLUMN refresh jsonb;
COMMENT ON COLUMN cube.builds.refreshed_at IS 'When geocrm.cube.refresh_cube last changed the cube (NULL: not since the build).';
COMMENT ON COLUMN cube.builds.refresh IS 'What that refresh did: cells, rows, seconds per step.';

-- Queue the cells of enrichment rows added, dropped or changed.
CREATE FUNCTION cube.queue_enrichment_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cube.dirty_cells (h3_11) SELECT DISTINCT h3_11 FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cube.dirty_cells (h3_11) SELECT DISTINCT h3_11 FROM old_rows;
    ELSE
        INSERT INTO cube.dirty_cells (h3_11)
        SELECT DISTINCT v.h3_11
        FROM old_rows o
        JOIN new_rows n ON n.customer_id = o.customer_id
        CROSS JOIN LATERAL (VALUES (o.h3_11), (n.h3_11)) v (h3_11)
        WHERE (o.h3_11, o.building_class, o.nearest_store_id)
              IS DISTINCT FROM (n.h3_11, n.building_class, n.nearest_store_id);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION cube.queue_enrichment_cells() IS 'Statement trigger on crm.customer_enrichment: queue the old and new cells of the rows written.';

-- Queue the cells of enriched customers whose counted attributes changed (a moved point is
-- handled by crm.customer_moved, which drops the enrichment row).
CREATE FUNCTION cube.queue_customer_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cube.dirty_cells (h3_11)
    SELECT DISTINCT e.h3_11
    FROM old_rows o
    JOIN new_rows n ON n.customer_id = o.customer_id
    JOIN crm.customer_enrichment e ON e.customer_id = n.customer_id
    WHERE (o.stage, o.segment, o.kind, o.annual_revenue, o.lifetime_value, o.satisfaction,
           o.churn_risk, o.assigned_rep_id, o.territory_id)
          IS DISTINCT FROM
          (n.stage, n.segment, n.kind, n.annual_revenue, n.lifetime_value, n.satisfaction,
           n.churn_risk, n.assigned_rep_id, n.territory_id);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION cube.queue_customer_cells() IS 'Statement trigger on crm.customers: queue the cells of enriched customers whose stage, segment, kind, revenue, ltv, satisfaction, churn risk, rep or territory changed.';

-- Queue the cells of the (enriched) customers whose interactions were added, removed or
-- changed in what the cube counts (customer, type, month).
CREATE FUNCTION cube.queue_interaction_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cube.dirty_cells (h3_11)
        SELECT DISTINCT e.h3_11
        FROM crm.customer_enrichment e
        WHERE e.customer_id IN (SELECT customer_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cube.dirty_cells (h3_11)
        SELECT DISTINCT e.h3_11
        FROM crm.customer_enrichment e
        WHERE e.customer_id IN (SELECT customer_id FROM old_rows);
    ELSE
        INSERT INTO cube.dirty_cells (h3_11)
        SELECT DISTINCT e.h3_11
        FROM crm.customer_enrichment e
        WHERE e.customer_id IN (
            SELECT v.customer_id
            FROM old_rows o
            JOIN new_rows n ON n.interaction_id = o.interaction_id
            CROSS JOIN LATERAL (VALUES (o.customer_id), (n.customer_id)) v (customer_id)
            WHERE (o.customer_id, o.type, o.occurred_at)
                  IS DISTINCT FROM (n.customer_id, n.type, n.occurred_at));
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION cube.queue_interaction_cells() IS 'Statement trigger on crm.interactions: queue the cells of the customers whose interactions changed.';

-- TRUNCATE fires no row or DELETE trigger: every cell of the cube is out of date.
CREATE FUNCTION cube.queue_all_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cube.dirty_cells (h3_11) SELECT DISTINCT h3_11 FROM cube.facts;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION cube.queue_all_cells() IS 'TRUNCATE trigger: queue every cell that has facts.';

CREATE TRIGGER cube_enrichment_inserted AFTER INSERT ON crm.customer_enrichment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_enrichment_cells();
CREATE TRIGGER cube_enrichment_deleted AFTER DELETE ON crm.customer_enrichment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_enrichment_cells();
CREATE TRIGGER cube_enrichment_updated AFTER UPDATE ON crm.customer_enrichment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_enrichment_cells();
CREATE TRIGGER cube_enrichment_truncated AFTER TRUNCATE ON crm.customer_enrichment
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_all_cells();

CREATE TRIGGER cube_customers_updated AFTER UPDATE ON crm.customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_customer_cells();
CREATE TRIGGER cube_customers_truncated AFTER TRUNCATE ON crm.customers
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_all_cells();

CREATE TRIGGER cube_interactions_inserted AFTER INSERT ON crm.interactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_interaction_cells();
CREATE TRIGGER cube_interactions_deleted AFTER DELETE ON crm.interactions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_interaction_cells();
CREATE TRIGGER cube_interactions_updated AFTER UPDATE ON crm.interactions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_interaction_cells();
CREATE TRIGGER cube_interactions_truncated AFTER TRUNCATE ON crm.interactions
    FOR EACH STATEMENT EXECUTE FUNCTION cube.queue_all_cells();

-- A cube built before this migration has no activity facts yet: queue all of it, so that the
-- first refresh (after the next change, or `geocrm cube refresh`) fills them in.
INSERT INTO cube.dirty_cells (h3_11) SELECT DISTINCT h3_11 FROM cube.facts;
