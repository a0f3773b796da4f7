-- Real addresses of a city with the class of the building they are in (containing
-- footprint, else the nearest within 25 m), one row per distinct street + number.
-- Ordered so that the demo generator is deterministic.
SELECT DISTINCT ON (a.street, a.housenumber)
       a.street, a.street_sv, a.housenumber, a.postcode, a.city,
       ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat,
       coalesce(b.building_class, 'other') AS building_class
FROM ref.addresses a
LEFT JOIN LATERAL (
    SELECT building_class
    FROM ref.buildings b
    WHERE b.dataset_id = a.dataset_id
      -- degrees prefilter (uses the GiST index; 0.001° >= 25 m up to 77° latitude) ...
      AND ST_DWithin(b.footprint, a.geom, 0.001)
      -- ... then the exact test in metres on the few candidates
      AND ST_DWithin(b.footprint::geography, a.geom::geography, 25)
    ORDER BY b.footprint <-> a.geom, b.building_id
    LIMIT 1
) b ON true
WHERE a.dataset_id = :dataset_id
ORDER BY a.street, a.housenumber, a.source, a.osm_id
