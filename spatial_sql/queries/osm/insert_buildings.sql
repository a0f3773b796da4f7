-- Staged footprints -> ref.buildings: made valid, as MultiPolygon, with area in m².
-- Footprints that are not polygonal after ST_MakeValid are skipped (counted by the loader).
INSERT INTO ref.buildings (dataset_id, osm_type, osm_id, building, building_class, name, levels,
                           street, housenumber, tags, footprint, area_m2)
SELECT :dataset_id, osm_type, osm_id, building, ref.building_class(building), name,
       CASE WHEN levels ~ '^\s*[0-9]+([.,][0-9]+)?\s*$'
            THEN round(replace(levels, ',', '.')::numeric)::smallint END,
       street, housenumber, coalesce(tags, '{}'::jsonb), fp, ST_Area(fp::geography)
FROM (
    SELECT s.*, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(geom, 4326)), 3)) AS fp
    FROM stage_buildings s
) made_valid
WHERE NOT ST_IsEmpty(fp)
