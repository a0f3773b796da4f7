-- The customers a report draws as markers, matching the cube's filters (NULL arrays: no
-- filter; :month, the first day of a month of activity, keeps the customers with an
-- interaction that month):
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
  AND (CAST(:month AS date) IS NULL OR EXISTS (
        SELECT FROM crm.interactions i
        WHERE i.customer_id = c.customer_id
          AND cube.activity_month(i.occurred_at) = CAST(:month AS date)))
  AND (CAST(:zone_id AS integer) IS NULL OR EXISTS (
        SELECT 1 FROM crm.target_zones z
        WHERE z.zone_id = CAST(:zone_id AS integer) AND ST_Intersects(z.geom, c.geom)))
ORDER BY c.annual_revenue DESC, c.customer_id
LIMIT :cap
