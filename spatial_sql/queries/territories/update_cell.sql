-- Move or (un)lock cells of a draft plan.
UPDATE crm.territory_cells
SET territory_id = coalesce(CAST(:territory_id AS bigint), territory_id),
    locked = coalesce(CAST(:locked AS boolean), locked)
WHERE plan_id = :plan_id AND h3 = ANY (CAST(:h3 AS bigint[]))
