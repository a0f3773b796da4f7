-- GDPR access: a customer's row, every column (the point as lon/lat), by external id.
SELECT c.customer_id,
       to_jsonb(c) - 'geom'
           || jsonb_build_object('lon', ST_X(c.geom), 'lat', ST_Y(c.geom)) AS row
FROM crm.customers c
WHERE c.external_id = :external_id
