-- Context of an offline report, which has no tile layer: the drive network inside a
-- bounding box, one MultiLineString per road class (each street once, not once per
-- direction), coordinates rounded to ~1 m.
SELECT highway, count(*) AS edges, ST_AsGeoJSON(ST_Collect(geom), 5)::json AS geometry
FROM (
    SELECT DISTINCT ON (osm_id, least(u, v), greatest(u, v)) highway, geom
    FROM ref.streets
    WHERE network = 'drive'
      AND geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)
    ORDER BY osm_id, least(u, v), greatest(u, v)
) s
GROUP BY highway
ORDER BY count(*) DESC
