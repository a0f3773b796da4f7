-- The finest cells of every placed thing: customers, buildings, POIs, streets.
SELECT h3_11 AS h3 FROM crm.customer_enrichment
UNION SELECT h3_11 FROM ref.buildings WHERE h3_11 IS NOT NULL
UNION SELECT h3_11 FROM ref.pois WHERE h3_11 IS NOT NULL
UNION SELECT h3_11 FROM ref.streets WHERE h3_11 IS NOT NULL
