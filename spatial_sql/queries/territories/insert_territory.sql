-- Save one territory of a draft plan (:based_on: the territory of the base plan it
-- continues, or NULL).
INSERT INTO crm.territories (plan_id, name, rep_id, locked, stats, based_on)
VALUES (:plan_id, :name, :rep_id, :locked, CAST(:stats AS jsonb), :based_on)
RETURNING territory_id
