-- Save a new draft territory plan.
INSERT INTO crm.territory_plans (name, res, measure, k, stats)
VALUES (:name, :res, :measure, :k, CAST(:stats AS jsonb))
RETURNING plan_id
