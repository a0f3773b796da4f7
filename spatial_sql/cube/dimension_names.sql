-- The stores, reps and territories (of the active plan) a cube filter can name, with their
-- names (for pickers).
SELECT 'store_id' AS dimension, store_id AS id, name FROM crm.stores
UNION ALL
SELECT 'rep_id', rep_id, name FROM crm.reps
UNION ALL
SELECT 'territory_id', t.territory_id, t.name
FROM crm.territories t
JOIN crm.territory_plans p ON p.plan_id = t.plan_id
WHERE p.active
ORDER BY 1, 3
