-- GDPR erasure: the online geocoder's cached answer for the forgotten customer's address,
-- unless another customer has the same address (a cache row names no one by itself).
DELETE FROM crm.geocode_cache g
WHERE g.query = lower(regexp_replace(btrim(:address), '\s+', ' ', 'g'))
  AND NOT EXISTS (
      SELECT 1 FROM crm.customers c
      WHERE lower(regexp_replace(btrim(c.address), '\s+', ' ', 'g')) = g.query)
