-- Customers whose location needs a person's look: placed outside the loaded cities
-- (outside_city: kept, but left out of enrichment, the cube and territories; first, and
-- listed even when pinned by hand before the city was loaded), not placed, placed only
-- roughly (street / postcode level), or below a confidence threshold. Manual pins inside
-- the city are settled. reason says which (the first that applies); detail says more.
WITH area AS MATERIALIZED (  -- computed once, not once a row
    SELECT ref.city_area(:margin_m) AS geom
)
SELECT c.customer_id, c.external_id, c.name, c.address, c.postcode,
       c.geocode_match_level AS match_level, c.geocode_confidence AS confidence,
       c.geocoded_address AS matched_address,
       ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon,
       CASE WHEN c.outside_city THEN 'outside_city'
            WHEN c.geom IS NULL THEN 'not_placed'
            WHEN c.geocode_match_level IN ('street', 'postcode', 'none') THEN 'rough_match'
            ELSE 'low_confidence' END AS reason,
       CASE WHEN c.outside_city THEN
            format('lat %s, lon %s lie outside the loaded cities and their margin', ST_Y(c.geom),
                   ST_X(c.geom))
            || CASE WHEN abs(ST_X(c.geom)) <= 90 AND NOT crm.outside_city(
                        ST_SetSRID(ST_MakePoint(ST_Y(c.geom), ST_X(c.geom)), 4326), area.geom)
                    THEN ' but inside them when swapped: lat and lon look swapped'
                    ELSE '' END
            || '; left out of enrichment, the hex cube and territories'
       END AS detail
FROM crm.customers c
CROSS JOIN area
WHERE c.outside_city
   OR (coalesce(c.geocode_match_level, 'none') <> 'manual'
       AND (c.geom IS NULL
            OR c.geocode_match_level IN ('street', 'postcode', 'none')
            OR c.geocode_confidence < :max_confidence))
ORDER BY c.outside_city DESC, c.geocode_confidence NULLS FIRST, c.customer_id
LIMIT :limit
