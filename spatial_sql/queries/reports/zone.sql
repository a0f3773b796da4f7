-- One target zone (crm.target_zones, read only) by its id or else by its exact name: the
-- zone's outline as GeoJSON, its audience filters and its area. :zone_id is NULL when the
-- caller's ZONE is not a number.
SELECT zone_id, name, kind, filters, source, created_at, updated_at,
       ST_AsGeoJSON(geom, 6)::json AS geometry,
       ST_Area(geom::geography) / 1e6 AS area_km2
FROM crm.target_zones
WHERE zone_id = CAST(:zone_id AS integer) OR name = CAST(:name AS text)
ORDER BY zone_id = CAST(:zone_id AS integer) DESC NULLS LAST
LIMIT 1
