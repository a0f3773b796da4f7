-- Whether the transaction's user sees the customer, and may change it (FOR UPDATE asks the
-- row-level security policy for UPDATE as well as the one for SELECT).
SELECT EXISTS (SELECT 1 FROM crm.customers WHERE external_id = :external_id) AS visible,
       EXISTS (SELECT 1 FROM (SELECT 1 FROM crm.customers WHERE external_id = :external_id
                              FOR UPDATE) AS w) AS writable
