-- GDPR erasure: what was derived from the customer's place (queues its cube cell).
DELETE FROM crm.customer_enrichment WHERE customer_id = :customer_id
