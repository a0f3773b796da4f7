-- The extents of the loaded cities (WKB, lon/lat): their H3 cover is the grid hotspots are
-- tested on, every cell of it with a value (0 where the cube has nothing).
SELECT ST_AsBinary(extent) AS extent FROM ref.datasets WHERE extent IS NOT NULL ORDER BY dataset_id
