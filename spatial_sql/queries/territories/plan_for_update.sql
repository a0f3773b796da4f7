-- A plan, locked for a change of its status or cells.
SELECT plan_id, name, status, active, res, measure, k FROM crm.territory_plans
WHERE plan_id = :plan_id
FOR UPDATE
