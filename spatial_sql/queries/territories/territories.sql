-- The territories of a plan, with their rep.
SELECT t.territory_id, t.name, t.rep_id, r.name AS rep_name, t.locked, t.stats
FROM crm.territories t
LEFT JOIN crm.reps r USING (rep_id)
WHERE t.plan_id = :plan_id
ORDER BY t.territory_id
