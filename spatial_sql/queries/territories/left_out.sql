-- Who a design can leave out, counted: every customer, those placed outside the loaded
-- cities (outside_city: never enriched), those not placed, and those enriched (the ones
-- the workload per cell counts: cell_workload.sql). The design subtracts the customers of
-- its cells from the enriched ones for those outside its area (a zone or a boundary).
SELECT count(*) AS total,
       count(*) FILTER (WHERE c.outside_city) AS outside_city,
       count(*) FILTER (WHERE c.geom IS NULL) AS not_placed,
       count(e.customer_id) FILTER (WHERE NOT c.outside_city) AS enriched
FROM crm.customers c
LEFT JOIN crm.customer_enrichment e USING (customer_id)
