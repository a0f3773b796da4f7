-- Layer "territories": the territories of a plan (query.plan_id; default: the active,
-- published plan), each the union of its H3 cells in the tile, with its rep and workload;
-- and territory_labels: one point per territory (its centroid, as the plan reports it) with
-- its name, its rep's name and its workload, for the map's labels.
CREATE OR REPLACE FUNCTION tiles.territories(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH plan AS (
        SELECT p.plan_id
        FROM crm.territory_plans p
        WHERE CASE WHEN query ->> 'plan_id' IS NULL THEN p.active
                   ELSE p.plan_id = (query ->> 'plan_id')::bigint END
    ), shapes AS (
        SELECT t.territory_id, t.plan_id, t.name, t.rep_id,
               (t.stats ->> 'workload')::float8 AS workload,
               (t.stats ->> 'customers')::integer AS customers,
               ST_Union(h.geom) AS geom
        FROM plan
        JOIN crm.territory_cells c ON c.plan_id = plan.plan_id
        JOIN crm.territories t ON t.territory_id = c.territory_id
        JOIN ref.h3_cells h ON h.h3 = c.h3
        WHERE h.geom && tiles.bbox(z, x, y)
        GROUP BY t.territory_id
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    )
    SELECT coalesce((
        SELECT ST_AsMVT(m, 'territories', 4096, 'geom', 'territory_id')
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64,
                                true) AS geom,
                   s.territory_id, s.plan_id, s.name, s.rep_id, s.workload, s.customers
            FROM shapes s
        ) m
        WHERE m.geom IS NOT NULL
    ), '') || coalesce((
        SELECT ST_AsMVT(l, 'territory_labels', 4096, 'geom', 'territory_id')
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(
                       (t.stats -> 'centroid' ->> 0)::float8,
                       (t.stats -> 'centroid' ->> 1)::float8), 4326), 3857),
                   ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom,
                   t.territory_id, t.name, r.name AS rep_name,
                   (t.stats ->> 'workload')::float8 AS workload
            FROM plan
            JOIN crm.territories t ON t.plan_id = plan.plan_id
            LEFT JOIN crm.reps r ON r.rep_id = t.rep_id
            WHERE jsonb_typeof(t.stats -> 'centroid') = 'array'
            LIMIT coalesce((query ->> 'limit')::integer, 50000)
        ) l
        WHERE l.geom IS NOT NULL
    ), '')
$$;
COMMENT ON FUNCTION tiles.territories(integer, integer, integer, json) IS 'Tile of the territories of a plan and their label points (query: plan_id, default the active plan; limit).';
