-- Customers whose location needs a person's look: not placed, placed only roughly
-- (street / postcode level), or below a confidence threshold. Manual pins are settled.
SELECT c.customer_id, c.external_id, c.name, c.address, c.postcode,
       c.geocode_match_level AS match_level, c.geocode_confidence AS confidence,
       c.geocoded_address AS matched_address,
       ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon
FROM crm.customers c
WHERE coalesce(c.geocode_match_level, 'none') <> 'manual'
  AND (c.geom IS NULL
       OR c.geocode_match_level IN ('street', 'postcode', 'none')
       OR c.geocode_confidence < :max_confidence)
ORDER BY c.geocode_confidence NULLS FIRST, c.customer_id
LIMIT :limit
