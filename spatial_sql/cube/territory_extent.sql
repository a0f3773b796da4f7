-- A territory of a plan: its name, the plan's resolution and the res-11 id range its cells
-- span (what cube.cells reads for the territory's sums). No row: no such territory there.
SELECT t.name, p.res, min(ref.h3_first_descendant(c.h3, 11)) AS lo,
       max(ref.h3_last_descendant(c.h3, 11)) AS hi
FROM crm.territories t
JOIN crm.territory_plans p ON p.plan_id = t.plan_id
LEFT JOIN crm.territory_cells c ON c.territory_id = t.territory_id
WHERE t.plan_id = :plan_id AND t.territory_id = :territory_id
GROUP BY t.name, p.res
