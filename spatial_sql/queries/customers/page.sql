-- One page of customers as GeoJSON features, in customer_id order (keyset paging: rows
-- after :after_id). With a bbox, only customers whose point lies inside it (GiST index);
-- without, all customers, ungeocoded ones with a null geometry (allowed by RFC 7946).
SELECT json_build_object(
           'type', 'Feature',
           'id', c.customer_id,
           'geometry', ST_AsGeoJSON(c.geom, 7)::json,
           'properties', json_build_object(
               'external_id', c.external_id, 'name', c.name, 'kind', c.kind,
               'address', c.address, 'segment', c.segment, 'stage', c.stage,
               'annual_revenue', c.annual_revenue, 'lifetime_value', c.lifetime_value,
               'satisfaction', c.satisfaction, 'churn_risk', c.churn_risk,
               'assigned_rep_id', c.assigned_rep_id, 'rep_name', r.name,
               'relationship_start', c.relationship_start, 'region', c.region,
               'territory_id', c.territory_id,
               'geocode_match_level', c.geocode_match_level,
               'geocode_confidence', c.geocode_confidence)
       ) AS feature
FROM crm.customers c
LEFT JOIN crm.reps r ON r.rep_id = c.assigned_rep_id
WHERE c.customer_id > :after_id
  AND (CAST(:min_lon AS float8) IS NULL
       OR c.geom && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, :max_lat, 4326))
ORDER BY c.customer_id
LIMIT :limit
