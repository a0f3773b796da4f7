-- Real addresses of a city with the class of the building they are in (containing
-- footprint, else the nearest within 25 m), one row per distinct street + number.
-- Ordered so that the demo generator is deterministic. pois_150m (points of interest within
-- 150 m: a busy place) feeds the relation between place and value that the generator
-- plants (data/demo/settings.toml [place_value]).
SELECT DISTINCT ON (a.street, a.housenumber)
       a.street, a.street_sv, a.housenumber, a.postcode, a.city,
       ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat,
       coalesce(b.building_class, 'other') AS building_class,
       (SELECT count(*) FROM ref.pois p
        WHERE p.dataset_id = a.dataset_id
          AND ST_DWithin(p.geom, a.geom, 0.007)  -- degrees prefilter (>= 150 m to 77°)
          AND ST_DWithin(p.geom::geography, a.geom::geography, 150)) AS pois_150m
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
