-- Customers of this import that need a point from their address.
SELECT customer_id, address, postcode, city
FROM crm.customers
WHERE last_import_id = :import_id AND geom IS NULL AND geocode_match_level IS NULL
  AND address IS NOT NULL
ORDER BY customer_id
