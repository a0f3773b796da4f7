-- GDPR access: the online geocoder's cached answer for a customer's address, if any.
SELECT to_jsonb(g) AS row
FROM crm.geocode_cache g
WHERE g.query = lower(regexp_replace(btrim(:address), '\s+', ' ', 'g'))
