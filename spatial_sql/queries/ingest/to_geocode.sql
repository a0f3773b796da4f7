-- Customers that need a point from their address: this import's new or re-addressed
-- ones (and any left ungeocoded before). Served by the partial needs-geocoding index.
SELECT customer_id, address, postcode, city
FROM crm.customers
WHERE geom IS NULL AND geocode_match_level IS NULL AND address IS NOT NULL
ORDER BY customer_id
