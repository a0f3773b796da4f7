-- Saved target zones as GeoJSON features (all of them, or the one :zone_id), each with the
-- audience under its own saved filters: customers, prospects, total and revenue, counted
-- as zones/count.sql counts them (crm.audience_counts; suppressed_cells under the k-rule).
SELECT json_build_object(
           'type', 'Feature', 'id', z.zone_id,
           'geometry', ST_AsGeoJSON(z.geom, 7)::json,
           'properties', jsonb_build_object(
               'zone_id', z.zone_id, 'name', z.name, 'kind', z.kind,
               'filters', z.filters, 'source', z.source,
               'created_at', z.created_at, 'updated_at', z.updated_at,
               'customers', n.customers, 'prospects', n.prospects, 'total', n.total,
               'revenue', n.revenue,
               'area_km2', round((ST_Area(z.geom::geography) / 1e6)::numeric, 4))
               -- only under the k-rule
               || CASE WHEN n.suppressed_cells IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('suppressed_cells', n.suppressed_cells) END
       ) AS feature
FROM crm.target_zones z
-- the saved filters as a filter document, once per zone (OFFSET 0: not per customer)
CROSS JOIN LATERAL (SELECT cube.audience_filter(z.filters) AS doc OFFSET 0) f
CROSS JOIN LATERAL crm.audience_counts(z.geom, f.doc) n
WHERE CAST(:zone_id AS integer) IS NULL OR z.zone_id = CAST(:zone_id AS integer)
ORDER BY z.zone_id
