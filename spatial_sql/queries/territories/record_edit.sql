-- Record one step of a plan's history (who: the caller's name, else the database user).
INSERT INTO crm.territory_edits (plan_id, who, what)
VALUES (:plan_id, coalesce(CAST(:who AS text), current_user), CAST(:what AS jsonb))
