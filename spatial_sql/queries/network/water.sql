-- The water of a loaded city (:dataset_id) that no shopper lives on: lakes, ponds, rivers,
-- docks and the sea built from the coastline (wetland is land here), as polygons of at most
-- 512 vertices, so that an area takes out only the few pieces near it.
SELECT ST_AsBinary(piece) AS geom
FROM (
    SELECT ST_Subdivide((ST_Dump(geom)).geom, 512) AS piece
    FROM ref.land_cover
    WHERE dataset_id = :dataset_id AND kind = 'water' AND class <> 'wetland'
) s
WHERE GeometryType(piece) = 'POLYGON'
