-- Layer "stores": one point per store.
CREATE OR REPLACE FUNCTION tiles.stores(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(ST_AsMVT(t, 'stores', 4096, 'geom', 'store_id'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               s.store_id, s.name, s.size_m2::float8 AS size_m2, s.address
        FROM crm.stores s
        WHERE s.geom && tiles.bbox(z, x, y)
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
$$;
COMMENT ON FUNCTION tiles.stores(integer, integer, integer, json) IS 'Tile of stores (query: limit).';
