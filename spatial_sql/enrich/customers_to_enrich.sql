-- Placed customers without enrichment (new, moved, or everything after a layer change);
-- never those outside the loaded cities (outside_city: kept, but not enriched).
SELECT c.customer_id, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat
FROM crm.customers c
WHERE c.geom IS NOT NULL
  AND NOT c.outside_city
  AND NOT EXISTS (SELECT 1 FROM crm.customer_enrichment e WHERE e.customer_id = c.customer_id)
ORDER BY c.customer_id
