-- Whether a point (:lon, :lat) lies within the extent of a loaded city (:dataset_id), and
-- that extent as west, south, east, north for the message when it does not.
SELECT ST_Intersects(extent, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) AS inside,
       ST_XMin(extent) AS west, ST_YMin(extent) AS south,
       ST_XMax(extent) AS east, ST_YMax(extent) AS north
FROM ref.datasets
WHERE dataset_id = :dataset_id
