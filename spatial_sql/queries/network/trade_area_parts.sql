-- Cut every trade area into pieces of at most 64 vertices for fast point-in-polygon.
TRUNCATE crm.trade_area_parts;
INSERT INTO crm.trade_area_parts (trade_area_id, geom)
SELECT trade_area_id, part
FROM (SELECT trade_area_id, ST_Subdivide(geom, 64) AS part FROM crm.trade_areas) s
WHERE GeometryType(part) = 'POLYGON';
