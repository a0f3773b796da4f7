-- Remove the previous demo customers (their interactions cascade) before a new demo CRM is
-- written. Demo reps and stores are upserted by external id instead, so that customers of
-- other sources assigned to a demo rep keep their rep.
DELETE FROM crm.customers WHERE source = 'demo'
