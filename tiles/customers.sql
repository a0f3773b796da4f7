-- Layer "customers": one point per customer from query.points_from (default zoom 15) up;
-- below it, customers aggregated per H3 cell of the zoom's resolution (from the cube), one
-- point per cell at its centre with the counts (under the k-rule of tiles.cube_cells, as
-- the hexes). The points are rows: row-level security shows each user their own. Filters
-- as the hex layer (stage, segment, kind, building_class, store_id, rep_id, territory_id,
-- month). Over the feature cap, the customers with the highest revenue are drawn.
CREATE OR REPLACE FUNCTION tiles.customers(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
DECLARE
    env geometry := ST_TileEnvelope(z, x, y);
    box geometry := tiles.bbox(z, x, y);
    cap integer := coalesce((query ->> 'limit')::integer, 50000);
    audience jsonb;  -- the filter document, read for the points (tiles.cube_cells reads it too)
    f_month date;
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
                   c.revenue::float8 AS revenue, c.suppressed_cells::integer AS suppressed_cells
            FROM tiles.cube_cells(tiles.hex_res_for_zoom(z), box, query) c
            WHERE c.customers + c.prospects > 0
            LIMIT cap
        ) t;
    ELSE
        audience := cube.audience_filter(CAST(query AS jsonb));
        f_month := CAST(audience ->> 'month' AS date);
        SELECT ST_AsMVT(t, 'customers', 4096, 'geom', 'customer_id') INTO mvt
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), env, 4096, 64, true) AS geom,
                   c.customer_id, c.name, c.stage, c.segment, c.kind,
                   c.annual_revenue::float8 AS revenue, c.assigned_rep_id AS rep_id
            FROM crm.customers c
            WHERE c.geom && box
              -- the enrichment is read only when a filter needs it
              AND cube.in_audience(
                      audience, c.stage, c.segment, c.kind,
                      (SELECT e.building_class FROM crm.customer_enrichment e
                       WHERE e.customer_id = c.customer_id),
                      (SELECT e.nearest_store_id FROM crm.customer_enrichment e
                       WHERE e.customer_id = c.customer_id),
                      c.assigned_rep_id, c.territory_id)
              AND (f_month IS NULL OR cube.active_in_month(c.customer_id, f_month))
            -- over the cap, the biggest accounts are the ones drawn
            ORDER BY c.annual_revenue DESC, c.customer_id
            LIMIT cap
        ) t;
    END IF;
    RETURN coalesce(mvt, '');
END $$;
COMMENT ON FUNCTION tiles.customers(integer, integer, integer, json) IS 'Tile of customers: points from query.points_from (15) up, counts per H3 cell below (query: dimension filters, points_from, limit).';
