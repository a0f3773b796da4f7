-- What /health reports about the database: PostGIS and how much data is loaded.
SELECT postgis_lib_version() AS postgis_version,
       (SELECT coalesce(json_agg(name ORDER BY name), '[]'::json) FROM ref.datasets) AS cities,
       (SELECT count(*) FROM ref.buildings) AS buildings,
       (SELECT count(*) FROM ref.addresses) AS addresses,
       (SELECT count(*) FROM ref.streets) AS street_edges,
       (SELECT count(*) FROM crm.customers) AS customers,
       (SELECT count(*) FROM crm.interactions) AS interactions
