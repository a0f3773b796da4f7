-- The addresses of a loaded city for the in-memory geocoder. When several rows give the
-- same street and number, the geocoder keeps the first: address nodes, then buildings,
-- then POIs (the order the demo generator picks its addresses in).
SELECT street, street_sv, housenumber, postcode, city,
       ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM ref.addresses
WHERE dataset_id = :dataset_id
ORDER BY street, housenumber, source, osm_id
