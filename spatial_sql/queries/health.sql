-- What /health reports about the database: PostGIS and how much data is loaded.
SELECT postgis_lib_version() AS postgis_version,
       (SELECT coalesce(json_agg(name ORDER BY name), '[]'::json) FROM ref.datasets) AS cities,
       (SELECT count(*) FROM ref.buildings) AS buildings,
       (SELECT count(*) FROM ref.addresses) AS addresses,
       (SELECT count(*) FROM ref.streets) AS street_edges,
       (SELECT count(*) FROM crm.customers) AS customers,
       -- kept but outside the loaded cities: not in the hex cube (its totals are the others)
       (SELECT count(*) FROM crm.customers WHERE outside_city) AS customers_outside_city,
       (SELECT count(*) FROM crm.interactions) AS interactions
