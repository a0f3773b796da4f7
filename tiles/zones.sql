-- Layer "zones": the saved target zones of marketers (crm.target_zones), largest first so
-- that the smaller ones are drawn on top. The zone id is the feature id and, for clients
-- that do not read feature ids, the attribute zone_id too.
CREATE OR REPLACE FUNCTION tiles.zones(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(ST_AsMVT(t, 'zones', 4096, 'geom', 'feature_id'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(zn.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               zn.zone_id AS feature_id, zn.zone_id, zn.name, zn.kind
        FROM crm.target_zones zn
        WHERE zn.geom && tiles.bbox(z, x, y)
        ORDER BY ST_Area(zn.geom) DESC, zn.zone_id
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
    WHERE t.geom IS NOT NULL
$$;
COMMENT ON FUNCTION tiles.zones(integer, integer, integer, json) IS 'Tile of saved target zones (query: limit).';
