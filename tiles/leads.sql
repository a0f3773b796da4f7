-- Layer "leads" (issue 16): one point per lead of crm.leads with its status (a lead with
-- no crm.lead_status row is 'new'). The leads are rows under row-level security: a rep or
-- a manager sees those in their reps' territories and those given to their reps, so the
-- tiles are per user. Over the feature cap, the best-scoring leads are drawn.
CREATE OR REPLACE FUNCTION tiles.leads(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(ST_AsMVT(t, 'leads', 4096, 'geom'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(l.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64,
                            true) AS geom,
               l.lead_id, l.name, l.origin, l.category, l.subcategory, l.building_class,
               l.score::float8 AS score, coalesce(s.status, 'new') AS status,
               s.assigned_rep_id
        FROM crm.leads l
        LEFT JOIN crm.lead_status s ON s.lead_id = l.lead_id
        WHERE l.geom && tiles.bbox(z, x, y)
        ORDER BY l.score DESC NULLS LAST, l.lead_id
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
$$;
COMMENT ON FUNCTION tiles.leads(integer, integer, integer, json) IS 'Tile of leads with their status (query: limit).';
