-- GDPR access: what GeoCRM derived from a customer's place (building, store, trade areas,
-- foot traffic, hexagon).
SELECT to_jsonb(e) AS row
FROM crm.customer_enrichment e
WHERE e.customer_id = :customer_id
