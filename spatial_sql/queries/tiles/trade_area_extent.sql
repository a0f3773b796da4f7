-- Bounds of the stores' trade areas (rings and drive isochrones reach past the loaded
-- city), for the TileJSON of the trade_areas layer: a client asks no tile outside its
-- bounds, so bounds of the city alone cut the areas at a rectangle.
SELECT ST_XMin(e) AS west, ST_YMin(e) AS south, ST_XMax(e) AS east, ST_YMax(e) AS north
FROM (SELECT ST_Extent(geom) AS e FROM crm.trade_areas) a
WHERE e IS NOT NULL
