-- Territory plans in SQL: each customer's territory and rep under a plan, and each
-- customer's bond with its rep. One definition, used by publishing
-- (queries/territories/assign_customers.sql), plan comparison (compare.sql), the design's
-- strong bonds (strong_bonds.sql) and the plan_changes map layer (tiles/plan_changes.sql).
-- This file is applied after ref_h3.sql (files run in name order): it uses its functions.

-- Every customer's territory and rep under plan `plan`: a customer whose cell (its res-11
-- cell's parent at the plan's res) is a cell of the plan gets that cell's territory and
-- the territory's rep (a territory without a rep leaves the customer's rep as it is);
-- any other customer (outside the plan's cells, or not placed) has no territory and keeps
-- its rep. h3 is the customer's cell in the plan (NULL outside it). An unknown plan (or
-- NULL) puts every customer outside.
--
-- The cell join is written twice on purpose (the two conditions are equivalent: the
-- res-11 descendants of a cell are exactly the ids in its descendant range): the parent
-- equality lets a query that starts from customers look the cell up by the primary key,
-- the range lets one that starts from cells (a map tile) read their customers off the
-- h3_11 index. The planner inlines this function, so each caller gets the path it needs.
CREATE OR REPLACE FUNCTION crm.plan_customers(plan bigint)
RETURNS TABLE (customer_id bigint, h3 bigint, territory_id bigint, rep_id integer)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT c.customer_id, placed.h3, placed.territory_id,
           coalesce(placed.rep_id, c.assigned_rep_id)
    FROM crm.customers c
    LEFT JOIN (
        SELECT e.customer_id, tc.h3, tc.territory_id, t.rep_id
        FROM crm.territory_plans p
        JOIN crm.territory_cells tc ON tc.plan_id = p.plan_id
        JOIN crm.customer_enrichment e
          ON e.h3_11 BETWEEN ref.h3_first_descendant(tc.h3, 11)
                         AND ref.h3_last_descendant(tc.h3, 11)
         AND tc.h3 = ref.h3_cell_to_parent(e.h3_11, p.res)
        JOIN crm.territories t ON t.territory_id = tc.territory_id
        WHERE p.plan_id = plan
    ) placed ON placed.customer_id = c.customer_id
$$;
COMMENT ON FUNCTION crm.plan_customers(bigint) IS 'Each customer''s plan cell, territory and rep under a territory plan (outside its cells: no territory, the rep it has).';

-- Each customer's bond with its current rep (assigned_rep_id): half the relationship's age
-- (years since relationship_start, 5 years and more = full), half the contact intensity
-- (its interactions with that rep in the 12 months before the latest recorded
-- interaction, 12 and more = full); strong from 0.5 (geocrm/territories.py documents it).
-- Customers without a rep have no bond.
--
-- Written for the planner: the contacts are counted per customer on the interactions'
-- (customer_id, occurred_at) index, and the latest interaction is a scalar subquery (one
-- index probe per query), so a caller that joins a few customers on customer_id reads
-- just their bonds (a map tile: milliseconds, where one aggregate of every interaction
-- took seconds at a million customers; the whole city costs about 25% more this way).
CREATE OR REPLACE FUNCTION crm.customer_bonds()
RETURNS TABLE (customer_id bigint, rep_id integer, strength double precision, strong boolean)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    -- strong is decided on the exact (numeric) strength
    SELECT c.customer_id, c.assigned_rep_id, bond.strength::double precision,
           bond.strength >= 0.5
    FROM crm.customers c
    CROSS JOIN LATERAL (
        SELECT 0.5 * least(1.0, coalesce(extract(epoch FROM latest.at
                                                 - c.relationship_start::timestamptz)
                                         / (5 * 365.25 * 86400), 0))
               + 0.5 * least(1.0, (SELECT count(*)
                                   FROM crm.interactions i
                                   WHERE i.customer_id = c.customer_id
                                     AND i.rep_id = c.assigned_rep_id
                                     AND i.occurred_at > latest.at - interval '12 months')
                                  / 12.0) AS strength
        FROM (SELECT coalesce(crm.latest_interaction_at(), now()) AS at)
             AS latest
    ) bond
    WHERE c.assigned_rep_id IS NOT NULL
$$;
COMMENT ON FUNCTION crm.customer_bonds() IS 'Each customer''s bond with its current rep: strength 0..1 (relationship age and recent contacts), strong from 0.5.';
