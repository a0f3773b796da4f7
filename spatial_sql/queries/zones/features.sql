-- Saved target zones as GeoJSON features (all of them, or the one :zone_id), each with the
-- audience under its own saved filters: customers, prospects, total and revenue, counted
-- as zones/count.sql counts them (the enrichment read only for its filters).
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
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
           count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
           count(*) AS total,
           coalesce(sum(c.annual_revenue), 0) AS revenue
    FROM crm.customers c
    WHERE ST_Intersects(z.geom, c.geom)
      AND (z.filters -> 'stage' IS NULL OR c.stage = ANY (crm.jsonb_texts(z.filters -> 'stage')))
      AND (z.filters -> 'segment' IS NULL
           OR c.segment = ANY (crm.jsonb_texts(z.filters -> 'segment')))
      AND (z.filters -> 'kind' IS NULL OR c.kind = ANY (crm.jsonb_texts(z.filters -> 'kind')))
      AND (z.filters -> 'building_class' IS NULL
           OR EXISTS (SELECT 1 FROM crm.customer_enrichment e
                      WHERE e.customer_id = c.customer_id
                        AND e.building_class = ANY (crm.jsonb_texts(z.filters -> 'building_class'))))
      AND (z.filters -> 'store_id' IS NULL
           OR EXISTS (SELECT 1 FROM crm.customer_enrichment e
                      WHERE e.customer_id = c.customer_id
                        AND e.nearest_store_id
                            = ANY (CAST(crm.jsonb_texts(z.filters -> 'store_id') AS integer[]))))
      AND (z.filters -> 'rep_id' IS NULL
           OR c.assigned_rep_id = ANY (CAST(crm.jsonb_texts(z.filters -> 'rep_id') AS integer[])))
      AND (z.filters -> 'territory_id' IS NULL
           OR c.territory_id = ANY (CAST(crm.jsonb_texts(z.filters -> 'territory_id') AS bigint[])))
) n
WHERE CAST(:zone_id AS integer) IS NULL OR z.zone_id = CAST(:zone_id AS integer)
ORDER BY z.zone_id
