-- Stores as GeoJSON features.
SELECT json_build_object(
           'type', 'Feature', 'id', s.store_id,
           'geometry', ST_AsGeoJSON(s.geom, 7)::json,
           'properties', json_build_object(
               'store_id', s.store_id, 'external_id', s.external_id, 'name', s.name,
               'region', s.region, 'size_m2', s.size_m2, 'attractiveness', s.attractiveness,
               'opened_on', s.opened_on, 'address', s.address)) AS feature
FROM crm.stores s
ORDER BY s.store_id
