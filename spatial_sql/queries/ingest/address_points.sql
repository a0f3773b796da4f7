-- Every known address with its display label, for the importer's nearest-address lookup.
SELECT ref.address_label(a.street, a.housenumber, a.postcode, a.city) AS label,
       ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat
FROM ref.addresses a
ORDER BY a.address_id
