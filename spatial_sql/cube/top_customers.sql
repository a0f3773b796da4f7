-- The customers of a cell (res-11 id range :lo..:hi) with the highest annual revenue.
SELECT c.customer_id, c.external_id, c.name, c.kind, c.stage, c.segment,
       c.annual_revenue, c.lifetime_value, c.satisfaction, c.churn_risk,
       c.assigned_rep_id AS rep_id, e.nearest_store_id AS store_id, e.h3_11
FROM crm.customer_enrichment e
JOIN crm.customers c USING (customer_id)
WHERE e.h3_11 BETWEEN :lo AND :hi
ORDER BY c.annual_revenue DESC, c.customer_id
LIMIT :limit
