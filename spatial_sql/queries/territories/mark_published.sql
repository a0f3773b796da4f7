-- Mark a plan published and active.
UPDATE crm.territory_plans SET status = 'published', active = true, published_at = now()
WHERE plan_id = :plan_id
