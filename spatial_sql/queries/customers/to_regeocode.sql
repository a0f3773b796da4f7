-- Customers to geocode again: those never geocoded (or whose address changed), and with
-- :everything all address-placed ones. Manual pins and given coordinates are kept.
SELECT customer_id, address, postcode
FROM crm.customers
WHERE address IS NOT NULL
  AND coalesce(geocode_match_level, '') NOT IN ('manual', 'provided')
  AND (:everything OR geocode_match_level IS NULL OR geocode_match_level = 'none')
ORDER BY customer_id
