-- Materialised hexagons of some cells, as GeoJSON geometries.
SELECT h3, ST_AsGeoJSON(geom, 7) AS geometry FROM ref.h3_cells WHERE h3 = ANY (CAST(:cells AS bigint[]))
