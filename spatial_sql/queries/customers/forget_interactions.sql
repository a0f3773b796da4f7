-- GDPR erasure: a customer's interactions (their cells are queued for the cube refresh
-- while the enrichment row still says where the customer was).
DELETE FROM crm.interactions WHERE customer_id = :customer_id
