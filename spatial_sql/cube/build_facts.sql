-- Rebuild cube.facts from the enriched customers and their interactions, set-based.
-- Customers without a crm.customer_enrichment row (unplaced, or moved and not yet
-- enriched again) have no cell and are not in the cube.
TRUNCATE cube.facts;
INSERT INTO cube.facts (
    h3_11, stage, segment, kind, building_class, store_id, rep_id, territory_id,
    customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n, churn_sum, churn_n,
    orders, support_requests, complaints, visits, survey_responses, campaign_responses)
WITH touches AS (
    SELECT customer_id,
           count(*) FILTER (WHERE type = 'order') AS orders,
           count(*) FILTER (WHERE type = 'support_request') AS support_requests,
           count(*) FILTER (WHERE type = 'complaint') AS complaints,
           count(*) FILTER (WHERE type = 'visit') AS visits,
           count(*) FILTER (WHERE type = 'survey_response') AS survey_responses,
           count(*) FILTER (WHERE type = 'campaign_response') AS campaign_responses
    FROM crm.interactions
    GROUP BY customer_id
)
SELECT e.h3_11, c.stage, c.segment, c.kind, e.building_class, e.nearest_store_id,
       c.assigned_rep_id, c.territory_id,
       count(*) FILTER (WHERE c.stage <> 'prospect'),
       count(*) FILTER (WHERE c.stage = 'prospect'),
       sum(c.annual_revenue),
       sum(c.lifetime_value),
       coalesce(sum(c.satisfaction::numeric), 0),
       count(c.satisfaction),
       coalesce(sum(c.churn_risk::numeric), 0),
       count(c.churn_risk),
       coalesce(sum(t.orders), 0),
       coalesce(sum(t.support_requests), 0),
       coalesce(sum(t.complaints), 0),
       coalesce(sum(t.visits), 0),
       coalesce(sum(t.survey_responses), 0),
       coalesce(sum(t.campaign_responses), 0)
FROM crm.customers c
JOIN crm.customer_enrichment e USING (customer_id)
LEFT JOIN touches t USING (customer_id)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
