-- Layer "trade_areas": store trade areas (isochrones, rings, Huff primary/secondary),
-- largest first so that the smaller ones are drawn on top. Filters: area_kind (the kind of
-- trade area), mode, store_id.
CREATE OR REPLACE FUNCTION tiles.trade_areas(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(ST_AsMVT(t, 'trade_areas', 4096, 'geom', 'trade_area_id'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(a.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               a.trade_area_id, a.store_id, a.kind, a.mode, a.minutes::float8 AS minutes,
               a.radius_m::float8 AS radius_m
        FROM crm.trade_areas a
        WHERE a.geom && tiles.bbox(z, x, y)
          AND (tiles.texts(query -> 'area_kind') IS NULL OR a.kind = ANY (tiles.texts(query -> 'area_kind')))
          AND (tiles.texts(query -> 'mode') IS NULL OR a.mode = ANY (tiles.texts(query -> 'mode')))
          AND (tiles.ints(query -> 'store_id') IS NULL
               OR a.store_id = ANY (tiles.ints(query -> 'store_id')))
        ORDER BY ST_Area(a.geom) DESC
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
    WHERE t.geom IS NOT NULL
$$;
COMMENT ON FUNCTION tiles.trade_areas(integer, integer, integer, json) IS 'Tile of store trade areas (query: area_kind, mode, store_id, limit).';
