-- Edges of one stored street network, geometry as WKB.
SELECT street_id, osm_id, u, v, name_fi, highway, length_m, oneway, ST_AsBinary(geom) AS wkb
FROM ref.streets
WHERE dataset_id = :dataset_id AND network = :network
ORDER BY street_id
