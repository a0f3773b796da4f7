-- Publish a plan onto the customers, set-based: every customer gets its territory and rep
-- under the plan (crm.plan_customers: the territory of its cell and that territory's rep;
-- outside the plan's cells, no territory and the rep it has). Only rows that change are
-- written, so the cube's triggers queue just the cells that changed.
UPDATE crm.customers c
SET territory_id = target.territory_id, assigned_rep_id = target.rep_id, updated_at = now()
FROM crm.plan_customers(:plan_id) target
WHERE target.customer_id = c.customer_id
  AND (c.territory_id IS DISTINCT FROM target.territory_id
       OR c.assigned_rep_id IS DISTINCT FROM target.rep_id)
