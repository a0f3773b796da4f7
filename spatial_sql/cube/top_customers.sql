-- The customers of a cell (res-11 id range :lo..:hi) with the highest annual revenue,
-- among those matching the filter document :filter (NULL: all; its month: the customers
-- active that month), as row-level security lets the user see them.
SELECT c.customer_id, c.external_id, c.name, c.kind, c.stage, c.segment,
       c.annual_revenue, c.lifetime_value, c.satisfaction, c.churn_risk,
       c.assigned_rep_id AS rep_id, e.nearest_store_id AS store_id, e.h3_11
FROM crm.customer_enrichment e
JOIN crm.customers c USING (customer_id)
WHERE e.h3_11 BETWEEN :lo AND :hi
  AND cube.in_audience(CAST(:filter AS jsonb), c.stage, c.segment, c.kind, e.building_class,
                       e.nearest_store_id, c.assigned_rep_id, c.territory_id)
  AND (CAST(:filter AS jsonb) ->> 'month' IS NULL
       OR cube.active_in_month(c.customer_id, CAST(CAST(:filter AS jsonb) ->> 'month' AS date)))
ORDER BY c.annual_revenue DESC, c.customer_id
LIMIT :limit
