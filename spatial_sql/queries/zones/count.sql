-- The audience of an area (:wkb, WKB in lon/lat): customers (stage <> 'prospect'),
-- prospects and their annual revenue, among the customers whose point intersects the area
-- (a point on the boundary is inside), under the cube's filters (each an array; NULL: no
-- filter). One GiST index scan of crm.customers.geom; PostGIS prepares the area once. The
-- enrichment (building class, nearest store) is read only when one of its filters is set:
-- an OR short-circuits even in a generic plan, where a LEFT JOIN would not be removed.
SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
       count(*) AS total,
       coalesce(sum(c.annual_revenue), 0) AS revenue
FROM crm.customers c
WHERE ST_Intersects(ST_GeomFromWKB(:wkb, 4326), c.geom)
  AND (CAST(:stage AS text[]) IS NULL OR c.stage = ANY (CAST(:stage AS text[])))
  AND (CAST(:segment AS text[]) IS NULL OR c.segment = ANY (CAST(:segment AS text[])))
  AND (CAST(:kind AS text[]) IS NULL OR c.kind = ANY (CAST(:kind AS text[])))
  AND (CAST(:building_class AS text[]) IS NULL
       OR EXISTS (SELECT 1 FROM crm.customer_enrichment e
                  WHERE e.customer_id = c.customer_id
                    AND e.building_class = ANY (CAST(:building_class AS text[]))))
  AND (CAST(:store_id AS integer[]) IS NULL
       OR EXISTS (SELECT 1 FROM crm.customer_enrichment e
                  WHERE e.customer_id = c.customer_id
                    AND e.nearest_store_id = ANY (CAST(:store_id AS integer[]))))
  AND (CAST(:rep_id AS integer[]) IS NULL OR c.assigned_rep_id = ANY (CAST(:rep_id AS integer[])))
  AND (CAST(:territory_id AS bigint[]) IS NULL
       OR c.territory_id = ANY (CAST(:territory_id AS bigint[])))
