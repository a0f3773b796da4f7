-- Layer "streets": walkable street segments with their estimated foot traffic (0-100
-- index, and the modelled flow), busiest last so that they are drawn on top.
CREATE OR REPLACE FUNCTION tiles.streets(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(ST_AsMVT(t, 'streets', 4096, 'geom', 'street_id'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               s.street_id, s.name_fi AS name, s.highway,
               f.footfall_index::float8 AS footfall_index, f.flow
        FROM ref.streets s
        JOIN ref.street_footfall f USING (street_id)
        WHERE s.network = 'walk' AND s.geom && tiles.bbox(z, x, y)
        ORDER BY f.footfall_index
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
    WHERE t.geom IS NOT NULL
$$;
COMMENT ON FUNCTION tiles.streets(integer, integer, integer, json) IS 'Tile of walkable streets by foot traffic (query: limit).';
