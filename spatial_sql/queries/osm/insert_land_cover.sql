-- Staged land cover (OSM areas and the sea) -> ref.land_cover: made valid, clipped to the
-- dataset's extent (set_extent.sql), as MultiPolygon. Areas left with no polygon (outside
-- the extent, or not polygonal after ST_MakeValid) are skipped (counted by the loader).
INSERT INTO ref.land_cover (dataset_id, osm_type, osm_id, kind, class, name, geom)
SELECT :dataset_id, osm_type, osm_id, kind, class, name, area
FROM (
    SELECT s.osm_type, s.osm_id, s.kind, s.class, s.name,
           ST_Multi(ST_CollectionExtract(
               CASE WHEN d.extent IS NULL OR ST_CoveredBy(v.geom, d.extent) THEN v.geom
                    ELSE ST_Intersection(v.geom, d.extent) END, 3)) AS area
    FROM stage_land_cover s
    CROSS JOIN LATERAL (SELECT ST_MakeValid(ST_SetSRID(s.geom, 4326)) AS geom) v
    CROSS JOIN (SELECT extent FROM ref.datasets WHERE dataset_id = :dataset_id) d
) clipped
WHERE NOT ST_IsEmpty(area)
