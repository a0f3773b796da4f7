-- The inputs of the network layers besides the city: the stores, where and how attractive.
SELECT coalesce(string_agg(concat_ws(':', store_id, ST_AsText(geom), attractiveness), ','
                           ORDER BY store_id), '')
FROM crm.stores
