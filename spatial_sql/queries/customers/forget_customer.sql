-- GDPR erasure: the customer's row.
DELETE FROM crm.customers WHERE customer_id = :customer_id
