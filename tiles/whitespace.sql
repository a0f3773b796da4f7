-- Layer "whitespace" (issue 16): per H3 cell at the resolution of the zoom
-- (tiles.hex_res_for_zoom, or query.res), the customers and revenue the cell's context
-- predicts (cube.whitespace, the last whitespace build) against the actual ones of the cube,
-- unfiltered, as the user may see them (tiles.cube_cells: the k-rule, with
-- suppressed_cells only then): gap = expected - actual customers (positive: untapped),
-- revenue_gap likewise, market_penetration = actual customers / (households + workplaces).
CREATE OR REPLACE FUNCTION tiles.whitespace(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
    WITH asked AS (
        SELECT coalesce((query ->> 'res')::integer, tiles.hex_res_for_zoom(z)) AS res
    ), actual AS (
        SELECT c.h3, c.geom, c.customers, c.revenue, c.suppressed_cells
        FROM asked a, tiles.cube_cells(a.res, tiles.bbox(z, x, y), '{}'::json) c
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    )
    SELECT coalesce(ST_AsMVT(t, 'whitespace', 4096, 'geom'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               lpad(to_hex(c.h3), 15, '0') AS h3,
               w.res::integer AS res,
               w.expected_customers::float8 AS expected_customers,
               c.customers::integer AS actual_customers,
               (w.expected_customers - c.customers::float8) AS gap,
               w.expected_revenue::float8 AS expected_revenue,
               c.revenue::float8 AS actual_revenue,
               (w.expected_revenue - c.revenue::float8) AS revenue_gap,
               (c.customers / nullif(w.households + w.workplaces, 0))::float8 AS market_penetration,
               c.suppressed_cells::integer AS suppressed_cells
        FROM actual c
        JOIN asked a ON true
        JOIN cube.whitespace w ON w.res = a.res AND w.h3 = c.h3
    ) t
$$;
COMMENT ON FUNCTION tiles.whitespace(integer, integer, integer, json) IS 'Tile of whitespace: H3 cells at the zoom''s resolution with expected and actual customers and revenue, gap and market penetration (query: res, limit), the actual figures under the user''s k-rule.';
