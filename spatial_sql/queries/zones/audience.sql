-- The audience of an area, one row per customer, by annual revenue (largest first): the
-- rows of zones/count.sql (crm.customers_in, the same area and filter document), for the
-- CSV export.
SELECT c.customer_id, c.name, c.address, c.stage, c.annual_revenue AS revenue,
       r.name AS rep, c.external_id, c.segment, c.kind, e.building_class,
       e.nearest_store_id AS store_id, c.assigned_rep_id AS rep_id,
       round(ST_X(c.geom)::numeric, 7) AS lon, round(ST_Y(c.geom)::numeric, 7) AS lat
FROM crm.customers_in(ST_GeomFromWKB(:wkb, 4326), CAST(:filter AS jsonb)) c
LEFT JOIN crm.customer_enrichment e ON e.customer_id = c.customer_id
LEFT JOIN crm.reps r ON r.rep_id = c.assigned_rep_id
ORDER BY c.annual_revenue DESC, c.customer_id
