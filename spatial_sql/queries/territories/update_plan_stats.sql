-- Refresh a plan's stats after an edit.
UPDATE crm.territory_plans SET stats = CAST(:stats AS jsonb) WHERE plan_id = :plan_id
