-- The customers a report draws as markers: those the hex cube counts (enriched customers,
-- with the cube's dimensions: stage, segment and kind of the customer, building class and
-- nearest store of its enrichment, rep, territory) matching the filters (NULL arrays: no
-- filter), and only those inside target zone :zone_id when it is not NULL.
-- The :cap with the highest revenue, each row with the totals of all that match.
SELECT c.customer_id, c.name, c.stage, c.annual_revenue,
       ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon,
       count(*) OVER () AS matched,
       count(*) FILTER (WHERE c.stage <> 'prospect') OVER () AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') OVER () AS prospects,
       sum(c.annual_revenue) OVER () AS revenue
FROM crm.customers c
JOIN crm.customer_enrichment e USING (customer_id)
WHERE (CAST(:stage AS text[]) IS NULL OR c.stage = ANY (CAST(:stage AS text[])))
  AND (CAST(:segment AS text[]) IS NULL OR c.segment = ANY (CAST(:segment AS text[])))
  AND (CAST(:kind AS text[]) IS NULL OR c.kind = ANY (CAST(:kind AS text[])))
  AND (CAST(:building_class AS text[]) IS NULL
       OR e.building_class = ANY (CAST(:building_class AS text[])))
  AND (CAST(:store_id AS integer[]) IS NULL
       OR e.nearest_store_id = ANY (CAST(:store_id AS integer[])))
  AND (CAST(:rep_id AS integer[]) IS NULL OR c.assigned_rep_id = ANY (CAST(:rep_id AS integer[])))
  AND (CAST(:territory_id AS bigint[]) IS NULL
       OR c.territory_id = ANY (CAST(:territory_id AS bigint[])))
  AND (CAST(:zone_id AS integer) IS NULL OR EXISTS (
        SELECT 1 FROM crm.target_zones z
        WHERE z.zone_id = CAST(:zone_id AS integer) AND ST_Intersects(z.geom, c.geom)))
ORDER BY c.annual_revenue DESC, c.customer_id
LIMIT :cap
