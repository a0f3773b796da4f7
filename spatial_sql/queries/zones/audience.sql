-- The audience of an area, one row per customer, by annual revenue (largest first): the
-- rows of zones/count.sql (same area test, same filters), for the CSV export.
SELECT c.customer_id, c.name, c.address, c.stage, c.annual_revenue AS revenue,
       r.name AS rep, c.external_id, c.segment, c.kind, e.building_class,
       e.nearest_store_id AS store_id, c.assigned_rep_id AS rep_id,
       round(ST_X(c.geom)::numeric, 7) AS lon, round(ST_Y(c.geom)::numeric, 7) AS lat
FROM crm.customers c
LEFT JOIN crm.customer_enrichment e ON e.customer_id = c.customer_id
LEFT JOIN crm.reps r ON r.rep_id = c.assigned_rep_id
WHERE ST_Intersects(ST_GeomFromWKB(:wkb, 4326), c.geom)
  AND (CAST(:stage AS text[]) IS NULL OR c.stage = ANY (CAST(:stage AS text[])))
  AND (CAST(:segment AS text[]) IS NULL OR c.segment = ANY (CAST(:segment AS text[])))
  AND (CAST(:kind AS text[]) IS NULL OR c.kind = ANY (CAST(:kind AS text[])))
  AND (CAST(:building_class AS text[]) IS NULL
       OR e.building_class = ANY (CAST(:building_class AS text[])))
  AND (CAST(:store_id AS integer[]) IS NULL
       OR e.nearest_store_id = ANY (CAST(:store_id AS integer[])))
  AND (CAST(:rep_id AS integer[]) IS NULL OR c.assigned_rep_id = ANY (CAST(:rep_id AS integer[])))
  AND (CAST(:territory_id AS bigint[]) IS NULL
       OR c.territory_id = ANY (CAST(:territory_id AS bigint[])))
ORDER BY c.annual_revenue DESC, c.customer_id
