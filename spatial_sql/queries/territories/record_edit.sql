-- Record one step of a plan's history.
INSERT INTO crm.territory_edits (plan_id, what) VALUES (:plan_id, CAST(:what AS jsonb))
