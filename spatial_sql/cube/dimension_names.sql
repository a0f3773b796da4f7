-- The stores and reps a cube filter can name, with their names (for pickers).
SELECT 'store_id' AS dimension, store_id AS id, name FROM crm.stores
UNION ALL
SELECT 'rep_id', rep_id, name FROM crm.reps
ORDER BY 1, 3
