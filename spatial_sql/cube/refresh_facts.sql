-- Recompute cube.facts and cube.activity_facts of the res-11 cells in cube_scope (a temp
-- table: the queued cells for a refresh, every cell for a full build): their rows are
-- deleted and aggregated again from the enriched customers and their interactions, set-
-- based. Customers without a crm.customer_enrichment row (unplaced, or moved and not yet
-- enriched again) have no cell and are not in the cube, nor are those outside the loaded
-- cities (outside_city).
--
-- The work is in three passes over the scope's customers (C1), their interactions per month
-- (C2, one ordered pass also giving the all-time counts) and the two aggregations. Temp
-- tables, analysed, give the planner true row counts at any scope size; dimensions are
-- compared bytewise (COLLATE "C": same groups, cheaper sorts); JIT does not pay off here.
SET LOCAL work_mem = '512MB';
SET LOCAL jit = off;

DELETE FROM cube.facts f USING cube_scope s WHERE f.h3_11 = s.h3_11;
DELETE FROM cube.activity_facts f USING cube_scope s WHERE f.h3_11 = s.h3_11;

-- C1: the scope's customers with their cell, dimensions and measures
CREATE TEMP TABLE cube_customers ON COMMIT DROP AS
SELECT e.customer_id, e.h3_11, c.stage COLLATE "C" AS stage, c.segment COLLATE "C" AS segment,
       c.kind COLLATE "C" AS kind, e.building_class COLLATE "C" AS building_class,
       e.nearest_store_id AS store_id, c.assigned_rep_id AS rep_id, c.territory_id,
       (c.stage <> 'prospect')::integer AS customers, (c.stage = 'prospect')::integer AS prospects,
       c.annual_revenue AS revenue, c.lifetime_value AS ltv,
       c.satisfaction::numeric AS satisfaction, c.churn_risk::numeric AS churn_risk
FROM crm.customer_enrichment e
JOIN cube_scope s ON s.h3_11 = e.h3_11
JOIN crm.customers c ON c.customer_id = e.customer_id
WHERE NOT c.outside_city;  -- never enriched; also not counted should a stale row remain
ANALYZE cube_customers;

-- C2: their interactions per customer and month of activity, and per customer for all time
-- (month NULL), in one sorted pass: interactions_customer_idx gives (customer, time) order,
-- so the grouping streams with little memory instead of hashing millions of groups
SET LOCAL enable_hashagg = off;
CREATE TEMP TABLE cube_touches ON COMMIT DROP AS
SELECT i.customer_id, cube.activity_month(i.occurred_at) AS month,
       (count(*) FILTER (WHERE i.type = 'order'))::integer AS orders,
       (count(*) FILTER (WHERE i.type = 'support_request'))::integer AS support_requests,
       (count(*) FILTER (WHERE i.type = 'complaint'))::integer AS complaints,
       (count(*) FILTER (WHERE i.type = 'visit'))::integer AS visits,
       (count(*) FILTER (WHERE i.type = 'survey_response'))::integer AS survey_responses,
       (count(*) FILTER (WHERE i.type = 'campaign_response'))::integer AS campaign_responses
FROM crm.interactions i
WHERE i.customer_id IN (SELECT customer_id FROM cube_customers)
GROUP BY GROUPING SETS ((i.customer_id, cube.activity_month(i.occurred_at)), (i.customer_id));
SET LOCAL enable_hashagg TO DEFAULT;
ANALYZE cube_touches;

-- all time: every customer once, with its interactions of every month
INSERT INTO cube.facts (
    h3_11, stage, segment, kind, building_class, store_id, rep_id, territory_id,
    customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n, churn_sum, churn_n,
    orders, support_requests, complaints, visits, survey_responses, campaign_responses)
SELECT k.h3_11, k.stage, k.segment, k.kind, k.building_class, k.store_id, k.rep_id,
       k.territory_id,
       sum(k.customers), sum(k.prospects), sum(k.revenue), sum(k.ltv),
       coalesce(sum(k.satisfaction), 0), count(k.satisfaction),
       coalesce(sum(k.churn_risk), 0), count(k.churn_risk),
       coalesce(sum(t.orders), 0), coalesce(sum(t.support_requests), 0),
       coalesce(sum(t.complaints), 0), coalesce(sum(t.visits), 0),
       coalesce(sum(t.survey_responses), 0), coalesce(sum(t.campaign_responses), 0)
FROM cube_customers k
LEFT JOIN cube_touches t ON t.customer_id = k.customer_id AND t.month IS NULL
GROUP BY k.h3_11, k.stage, k.segment, k.kind, k.building_class, k.store_id, k.rep_id,
         k.territory_id
ORDER BY k.h3_11;  -- inserted in index order: cheap index maintenance

-- per month of activity: the customers active that month, with that month's interactions
INSERT INTO cube.activity_facts (
    month, h3_11, stage, segment, kind, building_class, store_id, rep_id, territory_id,
    customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n, churn_sum, churn_n,
    orders, support_requests, complaints, visits, survey_responses, campaign_responses)
SELECT t.month, k.h3_11, k.stage, k.segment, k.kind, k.building_class, k.store_id, k.rep_id,
       k.territory_id,
       sum(k.customers), sum(k.prospects), sum(k.revenue), sum(k.ltv),
       coalesce(sum(k.satisfaction), 0), count(k.satisfaction),
       coalesce(sum(k.churn_risk), 0), count(k.churn_risk),
       sum(t.orders), sum(t.support_requests), sum(t.complaints), sum(t.visits),
       sum(t.survey_responses), sum(t.campaign_responses)
FROM cube_touches t
JOIN cube_customers k ON k.customer_id = t.customer_id
WHERE t.month IS NOT NULL
GROUP BY k.h3_11, t.month, k.stage, k.segment, k.kind, k.building_class, k.store_id,
         k.rep_id, k.territory_id
ORDER BY k.h3_11, t.month;  -- inserted in index order: cheap index maintenance
