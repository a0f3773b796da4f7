-- Every store with a place, for its trade areas and the Huff model.
SELECT store_id, ST_X(geom) AS lon, ST_Y(geom) AS lat, attractiveness
FROM crm.stores
ORDER BY store_id
