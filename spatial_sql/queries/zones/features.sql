-- Saved target zones as GeoJSON features (all of them, or the one :zone_id), each with the
-- audience under its own saved filters: customers, prospects, total and revenue, counted
-- as zones/count.sql counts them (crm.customers_in).
SELECT json_build_object(
           'type', 'Feature', 'id', z.zone_id,
           'geometry', ST_AsGeoJSON(z.geom, 7)::json,
           'properties', json_build_object(
               'zone_id', z.zone_id, 'name', z.name, 'kind', z.kind,
               'filters', z.filters, 'source', z.source,
               'created_at', z.created_at, 'updated_at', z.updated_at,
               'customers', n.customers, 'prospects', n.prospects, 'total', n.total,
               'revenue', n.revenue,
               'area_km2', round((ST_Area(z.geom::geography) / 1e6)::numeric, 4))
       ) AS feature
FROM crm.target_zones z
-- the saved filters as a filter document, once per zone (OFFSET 0: not per customer)
CROSS JOIN LATERAL (SELECT cube.audience_filter(z.filters) AS doc OFFSET 0) f
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
           count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
           count(*) AS total,
           coalesce(sum(c.annual_revenue), 0) AS revenue
    FROM crm.customers_in(z.geom, f.doc) c
) n
WHERE CAST(:zone_id AS integer) IS NULL OR z.zone_id = CAST(:zone_id AS integer)
ORDER BY z.zone_id
