-- Nearest known address of each point, set-based: the two arrays are unnested into
-- points and, for each, a LATERAL KNN scan of the GiST index (ORDER BY geom <-> point)
-- takes the nearest few addresses in degrees; the distance is then measured in metres on
-- the spheroid (geography), which also picks the truly nearest of them (a degree of
-- longitude is shorter than a degree of latitude away from the equator).
WITH points AS (
    SELECT t.ord, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS geom
    FROM unnest(CAST(:lons AS double precision[]), CAST(:lats AS double precision[]))
         WITH ORDINALITY AS t(lon, lat, ord)
)
SELECT p.ord, a.street, a.housenumber, a.postcode, a.city,
       ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, a.distance_m
FROM points p
LEFT JOIN LATERAL (
    SELECT c.street, c.housenumber, c.postcode, c.city, c.geom,
           ST_Distance(c.geom::geography, p.geom::geography) AS distance_m
    FROM (
        SELECT address_id, street, housenumber, postcode, city, geom
        FROM ref.addresses
        WHERE dataset_id = :dataset_id
        ORDER BY geom <-> p.geom
        LIMIT 8
    ) c
    ORDER BY distance_m, c.address_id
    LIMIT 1
) a ON true
ORDER BY p.ord
