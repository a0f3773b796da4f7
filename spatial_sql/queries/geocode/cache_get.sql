-- A cached online-geocoder answer for a query text.
SELECT lat, lon, match_level, confidence, matched_address
FROM crm.geocode_cache
WHERE query = :query
