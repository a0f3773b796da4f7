-- Save a new draft territory plan (version 1, or the next version of :based_on).
INSERT INTO crm.territory_plans (name, res, measure, k, stats, based_on, version)
VALUES (:name, :res, :measure, :k, CAST(:stats AS jsonb), :based_on, :version)
RETURNING plan_id
