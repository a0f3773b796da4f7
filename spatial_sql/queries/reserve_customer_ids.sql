-- Reserve a contiguous block of :n customer ids; returns the first. Bulk loaders use it so
-- that child rows (interactions) can be written with their customer ids in the same COPY pass.
SELECT setval(pg_get_serial_sequence('crm.customers', 'customer_id'),
              nextval(pg_get_serial_sequence('crm.customers', 'customer_id')) + :n - 1) - :n + 1
