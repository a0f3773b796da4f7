-- Save one territory of a draft plan.
INSERT INTO crm.territories (plan_id, name, rep_id, locked, stats)
VALUES (:plan_id, :name, :rep_id, :locked, CAST(:stats AS jsonb))
RETURNING territory_id
