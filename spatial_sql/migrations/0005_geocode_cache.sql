-- Answers of the optional online geocoder (e.g. Nominatim), so that each query is sent
-- once: online providers are slow, rate-limited (Nominatim: one request a second) and
-- their answers change rarely. The offline geocoder needs no table.

CREATE TABLE crm.geocode_cache (
    query           text PRIMARY KEY,
    provider        text NOT NULL,
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    match_level     text NOT NULL CHECK (match_level IN
        ('address', 'interpolated', 'street', 'poi', 'postcode', 'none')),
    confidence      real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    matched_address text,
    fetched_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (match_level <> 'none' OR lat IS NULL)
);
COMMENT ON TABLE crm.geocode_cache IS 'Online geocoder answers by query text (none included), so that a query is sent to the provider once.';
COMMENT ON COLUMN crm.geocode_cache.query IS 'The address as sent: whitespace collapsed, lower case.';
COMMENT ON COLUMN crm.geocode_cache.provider IS 'Which online geocoder answered, e.g. nominatim.';
COMMENT ON COLUMN crm.geocode_cache.lat IS 'WGS84 latitude of the answer; NULL when the provider found nothing.';
COMMENT ON COLUMN crm.geocode_cache.lon IS 'WGS84 longitude of the answer; NULL when the provider found nothing.';
COMMENT ON COLUMN crm.geocode_cache.match_level IS 'address, interpolated, street, poi, postcode or none (as geocrm.geocode.MATCH_LEVELS).';
COMMENT ON COLUMN crm.geocode_cache.confidence IS 'Confidence of the answer, 0..1; 0 for none.';
COMMENT ON COLUMN crm.geocode_cache.matched_address IS 'The address the provider matched, as it writes it.';
COMMENT ON COLUMN crm.geocode_cache.fetched_at IS 'When the provider was asked (answers can be refreshed by age).';
