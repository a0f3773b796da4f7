-- How many customers a page query matches in all (its numberMatched).
SELECT count(*)
FROM crm.customers c
WHERE CAST(:min_lon AS float8) IS NULL
   OR c.geom && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, :max_lat, 4326)
