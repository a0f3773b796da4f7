-- Save the cells of a draft plan's territories (parallel arrays, one set-based insert).
INSERT INTO crm.territory_cells (plan_id, h3, territory_id, locked)
SELECT :plan_id, c.h3, c.territory_id, c.locked
FROM unnest(CAST(:h3 AS bigint[]), CAST(:territory_ids AS bigint[]),
            CAST(:locked AS boolean[])) AS c (h3, territory_id, locked)
