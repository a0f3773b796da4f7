-- Layer "hotspots": Getis-Ord Gi* per H3 cell (issue 16). Reads the result kept in
-- cube.hotspot_runs / cube.hotspot_cells (migration 0032) for the transaction's view of
-- the cube (cube.hotspot_scope_key(); row-level security too), query.measure (default
-- revenue), query.res (default 10) and the cube filters, with the default permutations
-- and seed of geocrm.prospecting.hotspots (999, 12345). The API computes that result
-- before the first tile (geocrm.api.hotspots.prepare_tiles); without one the tile is empty.
-- The zoom is hotspots.z: a cell's z-score is c.z.
CREATE OR REPLACE FUNCTION tiles.hotspots(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
    WITH run AS (
        SELECT r.run_id, r.res
        FROM cube.hotspot_runs r
        WHERE r.scope_key = cube.hotspot_scope_key()
          AND r.measure = coalesce(query ->> 'measure', 'revenue')
          AND r.res = coalesce((query ->> 'res')::integer, 10)
          AND r.filters = cube.hotspot_filter_key(CAST(query AS jsonb))
          AND r.permutations = 999 AND r.seed = 12345
        ORDER BY r.computed_at DESC
        LIMIT 1
    )
    SELECT coalesce(ST_AsMVT(t, 'hotspots', 4096, 'geom'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_TileEnvelope(hotspots.z, x, y), 4096, 64, true)
                   AS geom,
               lpad(to_hex(c.h3), 15, '0') AS h3, run.res::integer AS res, c.value, c.z, c.p,
               c.p_fdr, c.class
        FROM run
        JOIN cube.hotspot_cells c ON c.run_id = run.run_id
        WHERE c.geom && tiles.bbox(hotspots.z, x, y)
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
$$;
COMMENT ON FUNCTION tiles.hotspots(integer, integer, integer, json) IS 'Tile of the kept Gi* hotspots of a cube measure for the user''s view: H3 cells with value, z, p, p_fdr and class (query: measure, res, cube filters, limit).';
