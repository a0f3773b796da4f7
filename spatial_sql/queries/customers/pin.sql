-- A manual pin: a person placed this customer; re-geocoding never moves it.
UPDATE crm.customers c
SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
    geocode_match_level = 'manual',
    geocode_confidence = 1,
    geocoded_address = (
        SELECT CASE WHEN ST_DWithin(n.geom::geography,
                                    ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 200)
                    THEN n.label END
        FROM (SELECT a.geom, ref.address_label(a.street, a.housenumber, a.postcode, a.city) AS label
              FROM ref.addresses a
              ORDER BY a.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
              LIMIT 1) n),
    geocoded_at = now(),
    -- a pin outside the loaded cities is refused before (point_outside_city.sql)
    outside_city = crm.outside_city(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
                                    (SELECT ref.city_area(:margin_m))),
    updated_at = now()
WHERE c.external_id = :external_id
RETURNING c.customer_id, c.external_id, c.geocode_match_level AS match_level,
          c.geocoded_address AS matched_address
