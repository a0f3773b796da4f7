-- Layer "buildings": building footprints with their class and estimates. Filter:
-- building_class.
CREATE OR REPLACE FUNCTION tiles.buildings(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(ST_AsMVT(t, 'buildings', 4096, 'geom', 'building_id'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(b.footprint, 3857), ST_TileEnvelope(z, x, y), 4096, 64,
                            true) AS geom,
               b.building_id, b.building_class, b.building, b.name, b.levels::integer AS levels,
               b.households_est::float8 AS households, b.workplaces_est::float8 AS workplaces
        FROM ref.buildings b
        WHERE b.footprint && tiles.bbox(z, x, y)
          AND (tiles.texts(query -> 'building_class') IS NULL
               OR b.building_class = ANY (tiles.texts(query -> 'building_class')))
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ) t
    WHERE t.geom IS NOT NULL
$$;
COMMENT ON FUNCTION tiles.buildings(integer, integer, integer, json) IS 'Tile of buildings by class (query: building_class, limit).';
