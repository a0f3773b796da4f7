-- Delete the previous demo CRM (rows with source = 'demo') before a new one is written.
WITH c AS (DELETE FROM crm.customers WHERE source = 'demo'),
     s AS (DELETE FROM crm.stores WHERE source = 'demo')
DELETE FROM crm.reps WHERE source = 'demo'
