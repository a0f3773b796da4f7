-- Layer set "base": the offline base map drawn from the loaded OSM extract, eight MVT layers
-- in one tile: water and parks and landuse (ref.land_cover), roads (the drive network, and
-- footways from zoom 14), buildings (footprints by class, from zoom 13); for the labels:
-- road_labels (each street name's edges merged into long lines, from zoom 14, so that a
-- name fits along them), pois (named points of interest, zoom 16 only, capped) and places
-- (named places as points, each kind from its own zoom: ref.place_minzoom).
-- plpgsql so that the function can be created before ref.land_cover exists (bodies are
-- checked when run).
CREATE OR REPLACE FUNCTION tiles.base(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    env geometry := ST_TileEnvelope(z, x, y);
    box geometry := tiles.bbox(z, x, y);
    cap integer := coalesce((query ->> 'limit')::integer, 50000);
    -- a pixel of this tile in metres (4096 units per tile): smaller details are dropped
    px float8 := (ST_XMax(env) - ST_XMin(env)) / 4096;
    land bytea;
    roads bytea;
    buildings bytea;
    road_labels bytea;
    pois bytea;
    places bytea;
BEGIN
    SELECT string_agg(layer_mvt, ''::bytea) INTO land
    FROM (
        SELECT ST_AsMVT(t, t.kind, 4096, 'geom') AS layer_mvt
        FROM (
            SELECT l.kind,
                   ST_AsMVTGeom(ST_Transform(l.geom, 3857), env, 4096, 64, true) AS geom,
                   l.class, l.name
            FROM ref.land_cover l
            WHERE l.geom && box
              AND (z >= 13 OR ST_Area(ST_Transform(ST_Envelope(l.geom), 3857)) > 16 * px * px)
            LIMIT cap
        ) t
        WHERE t.geom IS NOT NULL
        GROUP BY t.kind
    ) layers;

    SELECT ST_AsMVT(t, 'roads', 4096, 'geom') INTO roads
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), env, 4096, 64, true) AS geom,
               s.highway, s.name_fi AS name, s.network
        FROM ref.streets s
        WHERE s.geom && box
          AND (s.network = 'drive' OR (z >= 14 AND s.network = 'walk'
               AND s.highway IN ('footway', 'pedestrian', 'path', 'cycleway', 'steps')))
        LIMIT cap
    ) t
    WHERE t.geom IS NOT NULL;

    IF z >= 13 THEN
        SELECT ST_AsMVT(t, 'buildings', 4096, 'geom') INTO buildings
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(b.footprint, 3857), env, 4096, 64, true) AS geom,
                   b.building_class
            FROM ref.buildings b
            WHERE b.footprint && box
            LIMIT cap
        ) t
        WHERE t.geom IS NOT NULL;
    END IF;
    IF z >= 14 THEN
        -- the network's edges are a few metres long: merged by name, a name fits along them
        SELECT ST_AsMVT(t, 'road_labels', 4096, 'geom') INTO road_labels
        FROM (
            SELECT ST_AsMVTGeom(ST_LineMerge(ST_Collect(ST_Transform(s.geom, 3857))), env, 4096,
                                64, true) AS geom,
                   s.name_fi AS name,
                   (array_agg(s.highway ORDER BY ST_Length(s.geom) DESC))[1] AS highway
            FROM ref.streets s
            WHERE s.geom && box
              AND s.name_fi IS NOT NULL
              AND (s.network = 'drive' OR s.highway IN ('pedestrian', 'footway'))
            GROUP BY s.name_fi
            LIMIT cap
        ) t
        WHERE t.geom IS NOT NULL;
    END IF;

    IF z >= 16 THEN
        SELECT ST_AsMVT(t, 'pois', 4096, 'geom') INTO pois
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), env, 4096, 64, true) AS geom,
                   p.name, p.category, p.subcategory
            FROM ref.pois p
            WHERE p.geom && box AND p.name IS NOT NULL
              -- transit: the stations and entrances, not every stop's platform
              AND (p.category <> 'transit' OR p.subcategory IN ('station', 'subway_entrance'))
              AND p.subcategory IS DISTINCT FROM 'atm'
            ORDER BY p.poi_id
            LIMIT least(cap, 500)
        ) t
        WHERE t.geom IS NOT NULL;
    END IF;

    -- one point per name: a district that is also a place node is labelled once (the node)
    SELECT ST_AsMVT(t, 'places', 4096, 'geom') INTO places
    FROM (
        SELECT DISTINCT ON (p.name)
               ST_AsMVTGeom(ST_Transform(p.geom, 3857), env, 4096, 64, true) AS geom,
               p.name, p.kind, p.rank
        FROM ref.places p
        WHERE p.geom && box AND ref.place_minzoom(p.rank) <= z
        ORDER BY p.name, p.osm_type = 'node' DESC, p.rank, p.place_id
        LIMIT cap
    ) t
    WHERE t.geom IS NOT NULL;
    RETURN coalesce(land, '') || coalesce(roads, '') || coalesce(buildings, '')
        || coalesce(road_labels, '') || coalesce(pois, '') || coalesce(places, '');
END $$;
COMMENT ON FUNCTION tiles.base(integer, integer, integer, json) IS 'Tile of the offline base map: water, park, landuse, roads, buildings, road_labels, pois and places layers (query: limit).';
