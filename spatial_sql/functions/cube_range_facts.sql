-- The facts of a range of months of activity (first_month..last_month, first days of months),
-- per customer: each customer with at least one interaction in the range ONCE (their
-- customer measures counted once, however many months of the range they were active in),
-- with the interactions of the range (each interaction lies in one month, so these add up).
-- A sum over the months of cube.activity_facts would count a customer active in two months
-- twice; this reads the customers and their interactions instead, with the same columns and
-- the same rules as spatial_sql/cube/refresh_facts.sql (enriched customers in the loaded
-- cities, the month of an interaction as cube.activity_month). Read by cube.fact_sums for a
-- filter document with "month_to", so every path of the cube (the k-rule of cube.held_back,
-- cube.cells, tiles.cube_cells) answers a range as it answers one month.
--
-- SECURITY DEFINER: like cube.facts, it sums every customer whoever asks (row-level
-- security scopes rows, not these sums); what a user may see of them is decided by the
-- k-rule of the callers, exactly as for the facts. The range's customers are read live, not
-- as of the cube's last refresh (which follows every import and enrichment).
CREATE OR REPLACE FUNCTION cube.range_facts(first_month date, last_month date, lo bigint,
                                            hi bigint)
RETURNS TABLE (
    h3_11 bigint, stage text, segment text, kind text, building_class text, store_id integer,
    rep_id integer, territory_id bigint, customers integer, prospects integer,
    revenue numeric, ltv numeric, satisfaction_sum numeric, satisfaction_n integer,
    churn_sum numeric, churn_n integer, orders integer, support_requests integer,
    complaints integer, visits integer, survey_responses integer, campaign_responses integer)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT e.h3_11, c.stage, c.segment, c.kind, e.building_class, e.nearest_store_id,
           c.assigned_rep_id, c.territory_id,
           (c.stage <> 'prospect')::integer, (c.stage = 'prospect')::integer,
           c.annual_revenue, c.lifetime_value,
           coalesce(c.satisfaction::numeric, 0), (c.satisfaction IS NOT NULL)::integer,
           coalesce(c.churn_risk::numeric, 0), (c.churn_risk IS NOT NULL)::integer,
           t.orders, t.support_requests, t.complaints, t.visits, t.survey_responses,
           t.campaign_responses
    FROM crm.customer_enrichment e
    JOIN crm.customers c ON c.customer_id = e.customer_id
    CROSS JOIN LATERAL (
        -- the range as bounds of occurred_at: interactions_customer_idx serves it
        SELECT count(*) AS n,
               (count(*) FILTER (WHERE i.type = 'order'))::integer AS orders,
               (count(*) FILTER (WHERE i.type = 'support_request'))::integer AS support_requests,
               (count(*) FILTER (WHERE i.type = 'complaint'))::integer AS complaints,
               (count(*) FILTER (WHERE i.type = 'visit'))::integer AS visits,
               (count(*) FILTER (WHERE i.type = 'survey_response'))::integer AS survey_responses,
               (count(*) FILTER (WHERE i.type = 'campaign_response'))::integer
                   AS campaign_responses
        FROM crm.interactions i
        WHERE i.customer_id = c.customer_id
          AND i.occurred_at >= first_month::timestamp AT TIME ZONE 'UTC'
          AND i.occurred_at < (last_month + interval '1 month') AT TIME ZONE 'UTC'
    ) t
    WHERE e.h3_11 BETWEEN lo AND hi AND NOT c.outside_city AND t.n > 0
$$;
COMMENT ON FUNCTION cube.range_facts(date, date, bigint, bigint) IS 'Per customer active in a range of months of activity (each counted once) within a res-11 id range: the dimensions and measures of cube.facts, with the range''s interactions.';
