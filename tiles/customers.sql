-- Layer "customers": one point per customer from query.points_from (default zoom 15) up;
-- below it, customers aggregated per H3 cell of the zoom's resolution (from the cube), one
-- point per cell at its centre with the counts. Filters as the hex layer (stage, segment,
-- kind, building_class, store_id, rep_id, territory_id, month). Over the feature cap, the
-- customers with the highest revenue are drawn.
CREATE OR REPLACE FUNCTION tiles.customers(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
DECLARE
    env geometry := ST_TileEnvelope(z, x, y);
    box geometry := tiles.bbox(z, x, y);
    cap integer := coalesce((query ->> 'limit')::integer, 50000);
    f_stage text[] := tiles.texts(query -> 'stage');
    f_segment text[] := tiles.texts(query -> 'segment');
    f_kind text[] := tiles.texts(query -> 'kind');
    f_class text[] := tiles.texts(query -> 'building_class');
    f_store bigint[] := tiles.ints(query -> 'store_id');
    f_rep bigint[] := tiles.ints(query -> 'rep_id');
    f_territory bigint[] := tiles.ints(query -> 'territory_id');
    f_month date := (query ->> 'month')::date;
    mvt bytea;
BEGIN
    IF z < coalesce((query ->> 'points_from')::integer, 15) THEN
        SELECT ST_AsMVT(t, 'customer_clusters', 4096, 'geom') INTO mvt
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(ST_Centroid(c.geom), 3857), env, 4096, 64, true)
                       AS geom,
                   lpad(to_hex(c.h3), 15, '0') AS h3,
                   (c.customers + c.prospects)::integer AS count,
                   c.customers::integer AS customers, c.prospects::integer AS prospects,
                   c.revenue::float8 AS revenue
            FROM tiles.cube_cells(tiles.hex_res_for_zoom(z), box, query) c
            WHERE c.customers + c.prospects > 0
            LIMIT cap
        ) t;
    ELSE
        SELECT ST_AsMVT(t, 'customers', 4096, 'geom', 'customer_id') INTO mvt
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), env, 4096, 64, true) AS geom,
                   c.customer_id, c.name, c.stage, c.segment, c.kind,
                   c.annual_revenue::float8 AS revenue, c.assigned_rep_id AS rep_id
            FROM crm.customers c
            WHERE c.geom && box
              AND (f_stage IS NULL OR c.stage = ANY (f_stage))
              AND (f_segment IS NULL OR c.segment = ANY (f_segment))
              AND (f_kind IS NULL OR c.kind = ANY (f_kind))
              AND (f_rep IS NULL OR c.assigned_rep_id = ANY (f_rep))
              AND (f_territory IS NULL OR c.territory_id = ANY (f_territory))
              -- the enrichment is read only when a filter needs it
              AND (coalesce(f_class, f_store::text[]) IS NULL OR EXISTS (
                   SELECT FROM crm.customer_enrichment e
                   WHERE e.customer_id = c.customer_id
                     AND (f_class IS NULL OR e.building_class = ANY (f_class))
                     AND (f_store IS NULL OR e.nearest_store_id = ANY (f_store))))
              -- active in the month (cube.activity_month: the calendar month in UTC)
              AND (f_month IS NULL OR EXISTS (
                   SELECT FROM crm.interactions i
                   WHERE i.customer_id = c.customer_id
                     AND i.occurred_at >= f_month::timestamp AT TIME ZONE 'UTC'
                     AND i.occurred_at < (f_month + interval '1 month') AT TIME ZONE 'UTC'))
            -- over the cap, the biggest accounts are the ones drawn
            ORDER BY c.annual_revenue DESC, c.customer_id
            LIMIT cap
        ) t;
    END IF;
    RETURN coalesce(mvt, '');
END $$;
COMMENT ON FUNCTION tiles.customers(integer, integer, integer, json) IS 'Tile of customers: points from query.points_from (15) up, counts per H3 cell below (query: dimension filters, points_from, limit).';
