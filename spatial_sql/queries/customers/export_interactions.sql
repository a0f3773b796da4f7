-- GDPR access: every interaction of a customer, oldest first.
SELECT to_jsonb(i) AS row
FROM crm.interactions i
WHERE i.customer_id = :customer_id
ORDER BY i.occurred_at, i.interaction_id
