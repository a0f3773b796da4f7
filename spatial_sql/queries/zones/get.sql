-- One saved zone by id (:zone_id) or, when that is NULL, by exact name (:name): its row
-- with the area as WKB.
SELECT zone_id, name, kind, filters, source, ST_AsBinary(geom) AS wkb
FROM crm.target_zones
WHERE zone_id = CAST(:zone_id AS integer)
   OR (CAST(:zone_id AS integer) IS NULL AND name = CAST(:name AS text))
