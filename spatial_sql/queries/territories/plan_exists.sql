-- Whether a territory plan exists.
SELECT EXISTS (SELECT 1 FROM crm.territory_plans WHERE plan_id = :plan_id)
