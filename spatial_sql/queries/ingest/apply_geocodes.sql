-- Write geocoder results (staged in geocode_results) onto the customers, with their
-- outside_city flag (the area computed once: MATERIALIZED).
WITH city AS MATERIALIZED (
    SELECT ref.city_area(:margin_m) AS area
)
UPDATE crm.customers c
SET geom = CASE WHEN g.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326) END,
    geocode_match_level = g.match_level,
    geocode_confidence = g.confidence,
    geocoded_address = g.matched_address,
    geocoded_at = now(),
    outside_city = crm.outside_city(
        CASE WHEN g.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326) END,
        city.area),
    updated_at = now()
FROM geocode_results g
CROSS JOIN city
WHERE c.customer_id = g.customer_id
  AND coalesce(c.geocode_match_level, '') <> 'manual'
