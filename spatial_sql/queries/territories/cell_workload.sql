-- Workload inputs per H3 cell at :res: for each cell holding at least one enriched
-- customer, its customers, annual revenue and visits needed per month (geocrm/territories.py
-- documents the formula: a base per ladder stage plus the recent contact intensity, over
-- the last 90 days before the latest recorded interaction).
WITH recent AS (
    SELECT i.customer_id, count(*) AS contacts
    FROM crm.interactions i
    WHERE i.occurred_at > crm.latest_interaction_at() - interval '90 days'
    GROUP BY i.customer_id
), per_customer AS (
    SELECT ref.h3_cell_to_parent(e.h3_11, CAST(:res AS integer)) AS h3,
           c.annual_revenue,
           crm.visits_per_month(c.stage, r.contacts) AS visits
    FROM crm.customers c
    JOIN crm.customer_enrichment e USING (customer_id)
    LEFT JOIN recent r USING (customer_id)
    WHERE NOT c.outside_city  -- never enriched (and never in a design should a row remain)
)
SELECT h3,
       count(*)::integer AS customers,
       coalesce(sum(annual_revenue), 0)::double precision AS revenue,
       sum(visits)::double precision AS visits
FROM per_customer
GROUP BY h3
ORDER BY h3
