-- Publish a plan onto the customers, set-based: each enriched customer whose cell (its
-- res-11 cell's parent at the plan's res) is in the plan gets that territory and its rep
-- (a territory without a rep leaves the owner as it was); customers outside every cell
-- of the plan lose the territory of the previous plan. Only rows that change are written,
-- so the cube's triggers queue just the cells that changed.
WITH target AS (
    SELECT c.customer_id, tc.territory_id AS new_territory,
           coalesce(t.rep_id, c.assigned_rep_id) AS new_rep
    FROM crm.customers c
    LEFT JOIN crm.customer_enrichment e USING (customer_id)
    LEFT JOIN crm.territory_cells tc
           ON tc.plan_id = :plan_id AND tc.h3 = ref.h3_cell_to_parent(e.h3_11, :res)
    LEFT JOIN crm.territories t ON t.territory_id = tc.territory_id
)
UPDATE crm.customers c
SET territory_id = target.new_territory, assigned_rep_id = target.new_rep, updated_at = now()
FROM target
WHERE target.customer_id = c.customer_id
  AND (c.territory_id IS DISTINCT FROM target.new_territory
       OR c.assigned_rep_id IS DISTINCT FROM target.new_rep)
