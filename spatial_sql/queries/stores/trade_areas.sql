-- Trade areas as GeoJSON features, optionally for one store, mode and kind.
SELECT json_build_object(
           'type', 'Feature', 'id', t.trade_area_id,
           'geometry', ST_AsGeoJSON(t.geom, 6)::json,
           'properties', json_build_object(
               'trade_area_id', t.trade_area_id, 'store_id', t.store_id, 'store', s.name,
               'kind', t.kind, 'mode', t.mode, 'minutes', t.minutes, 'radius_m', t.radius_m,
               'area_km2', round((ST_Area(t.geom::geography) / 1e6)::numeric, 3),
               'computed_at', t.computed_at)) AS feature
FROM crm.trade_areas t
JOIN crm.stores s USING (store_id)
WHERE (CAST(:store_id AS integer) IS NULL OR t.store_id = :store_id)
  AND (CAST(:mode AS text) IS NULL OR t.mode = :mode)
  AND (CAST(:kind AS text) IS NULL OR t.kind = :kind)
ORDER BY t.store_id, t.kind, t.mode, t.minutes, t.radius_m
