-- GDPR erasure: the customer to forget, locked until the erasure commits.
SELECT customer_id, address FROM crm.customers WHERE external_id = :external_id FOR UPDATE
