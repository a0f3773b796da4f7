-- Points of the city's rows that need an H3 cell: buildings (a point on the surface),
-- POIs, and the walk/drive street segments (their middle).
SELECT 'building' AS kind, building_id AS id, ST_X(p) AS lon, ST_Y(p) AS lat
FROM (SELECT building_id, ST_PointOnSurface(footprint) AS p FROM ref.buildings
      WHERE dataset_id = :dataset_id) b
UNION ALL
SELECT 'poi', poi_id, ST_X(geom), ST_Y(geom) FROM ref.pois WHERE dataset_id = :dataset_id
UNION ALL
SELECT 'street', street_id, ST_X(p), ST_Y(p)
FROM (SELECT street_id, ST_LineInterpolatePoint(geom, 0.5) AS p FROM ref.streets
      WHERE dataset_id = :dataset_id) s
