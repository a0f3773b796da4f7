-- Bounds and centre of the loaded cities, for TileJSON.
SELECT ST_XMin(e) AS west, ST_YMin(e) AS south, ST_XMax(e) AS east, ST_YMax(e) AS north
FROM (SELECT ST_Extent(extent) AS e FROM ref.datasets) d
WHERE e IS NOT NULL
