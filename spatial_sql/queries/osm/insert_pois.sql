-- Staged POIs -> ref.pois; ways and relations become a point on their surface.
INSERT INTO ref.pois (dataset_id, osm_type, osm_id, name, category, subcategory, tags, geom)
SELECT :dataset_id, osm_type, osm_id, name, category, subcategory, coalesce(tags, '{}'::jsonb),
       ST_PointOnSurface(ST_MakeValid(ST_SetSRID(geom, 4326)))
FROM stage_pois
WHERE NOT ST_IsEmpty(geom)
