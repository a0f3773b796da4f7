-- Prospecting estimates per building, from floor area (footprint x levels, 4 levels where
-- OSM does not say; 80% of it usable): households at 70 m² each in residential buildings,
-- workplaces at 25 m² each in offices, shops, commercial and public buildings.
UPDATE ref.buildings
SET households_est = CASE WHEN building_class = 'residential'
                          THEN round((area_m2 * coalesce(levels, 4) * 0.8 / 70)::numeric, 1) END,
    workplaces_est = CASE WHEN building_class IN ('office', 'commercial', 'retail', 'public')
                          THEN round((area_m2 * coalesce(levels, 4) * 0.8 / 25)::numeric, 1) END
WHERE dataset_id = :dataset_id
