-- Where walking trips start and end: buildings (class, floor area, the enrichment's
-- household / workplace estimates where present) and POIs of one city, as points.
SELECT 'building' AS source,
       building_class AS kind,
       NULL::text AS subcategory,
       area_m2,
       levels,
       households_est,
       workplaces_est,
       ST_X(ST_PointOnSurface(footprint)) AS lon,
       ST_Y(ST_PointOnSurface(footprint)) AS lat
FROM ref.buildings
WHERE dataset_id = :dataset_id
  AND building_class IN ('residential', 'office', 'commercial', 'retail')
UNION ALL
SELECT 'poi', category, subcategory, NULL, NULL, NULL, NULL, ST_X(geom), ST_Y(geom)
FROM ref.pois
WHERE dataset_id = :dataset_id
