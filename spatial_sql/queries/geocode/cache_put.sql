-- Store (or refresh) an online-geocoder answer for a query text.
INSERT INTO crm.geocode_cache (query, provider, lat, lon, match_level, confidence,
                               matched_address, fetched_at)
VALUES (:query, :provider, :lat, :lon, :match_level, :confidence, :matched_address, now())
ON CONFLICT (query) DO UPDATE
SET provider = EXCLUDED.provider, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
    match_level = EXCLUDED.match_level, confidence = EXCLUDED.confidence,
    matched_address = EXCLUDED.matched_address, fetched_at = EXCLUDED.fetched_at
