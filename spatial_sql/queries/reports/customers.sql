-- The customers a report draws as markers, matching the filter document :filter
-- (cube.in_audience; its month keeps the customers with an interaction that month):
-- * a heatmap (:zone_id NULL): the customers the hex cube counts (the enriched ones), so
--   that markers and hexagons agree;
-- * a zone report: the zone's audience as the zones API counts and exports it (every
--   placed customer inside the zone; building class and store from the enrichment).
-- The :cap with the highest revenue, each row with the totals of all that match.
SELECT c.customer_id, c.name, c.stage, c.annual_revenue,
       ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon,
       count(*) OVER () AS matched,
       count(*) FILTER (WHERE c.stage <> 'prospect') OVER () AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') OVER () AS prospects,
       sum(c.annual_revenue) OVER () AS revenue
FROM crm.customers c
LEFT JOIN crm.customer_enrichment e USING (customer_id)
WHERE (CAST(:zone_id AS integer) IS NOT NULL OR e.customer_id IS NOT NULL)
  AND cube.in_audience(CAST(:filter AS jsonb), c.stage, c.segment, c.kind, e.building_class,
                       e.nearest_store_id, c.assigned_rep_id, c.territory_id)
  AND (CAST(:filter AS jsonb) ->> 'month' IS NULL
       OR cube.active_in_month(c.customer_id, CAST(CAST(:filter AS jsonb) ->> 'month' AS date)))
  AND (CAST(:zone_id AS integer) IS NULL OR EXISTS (
        SELECT 1 FROM crm.target_zones z
        WHERE z.zone_id = CAST(:zone_id AS integer) AND ST_Intersects(z.geom, c.geom)))
ORDER BY c.annual_revenue DESC, c.customer_id
LIMIT :cap
