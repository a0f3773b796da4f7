-- Is a point outside the loaded cities' extent grown by :margin_m metres (a manual pin
-- there is refused)? With how far it is from the nearest city's extent (km), whether it
-- would be inside with lat and lon swapped, and the cities' names. No city loaded: never
-- outside.
WITH point AS MATERIALIZED (
    SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom,
           ST_SetSRID(ST_MakePoint(:lat, :lon), 4326) AS swapped,
           (SELECT ref.city_area(:margin_m)) AS area
)
SELECT crm.outside_city(p.geom, p.area) AS outside,
       (SELECT min(ST_Distance(d.extent::geography, p.geom::geography)) / 1000
        FROM ref.datasets d WHERE d.extent IS NOT NULL) AS km,
       -- a swapped point is a valid coordinate only when |lon| <= 90
       (abs(:lon) <= 90 AND NOT crm.outside_city(p.swapped, p.area)) AS swapped_inside,
       (SELECT string_agg(d.name, ', ' ORDER BY d.name) FROM ref.datasets d
        WHERE d.extent IS NOT NULL) AS cities
FROM point p
