-- A plan's history, oldest first (crm.territory_edits).
SELECT edit_id, who, at, what
FROM crm.territory_edits
WHERE plan_id = :plan_id
ORDER BY at, edit_id
