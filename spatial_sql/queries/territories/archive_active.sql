-- Archive the active plan (before another one is published).
UPDATE crm.territory_plans SET active = false, status = 'archived'
WHERE active
RETURNING plan_id
