-- The cells of a plan and their territory.
SELECT h3, territory_id, locked FROM crm.territory_cells
WHERE plan_id = :plan_id
ORDER BY h3
