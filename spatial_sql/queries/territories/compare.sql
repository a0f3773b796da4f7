-- Plan comparison: what publishing plan :plan_id would do to the customers, against their
-- current territory and rep (:with_plan NULL) or against plan :with_plan; both sides are
-- crm.plan_customers. One row per group of customers that share the plan's territory, the
-- rep after and before, and whether their territory changes (a territory continues across
-- plan versions along crm.territories.based_on: the same line is the same territory).
-- A strong bond (crm.customer_bonds) is broken when the baseline keeps the customer with
-- that rep and the plan gives it another rep.
WITH RECURSIVE line AS (  -- each territory's line: the first territory it continues
    SELECT t.territory_id, t.territory_id AS line_id
    FROM crm.territories t
    WHERE t.based_on IS NULL
       OR NOT EXISTS (SELECT 1 FROM crm.territories b WHERE b.territory_id = t.based_on)
    UNION ALL
    SELECT t.territory_id, line.line_id
    FROM crm.territories t JOIN line ON t.based_on = line.territory_id
), before AS (
    SELECT c.customer_id, c.territory_id, c.assigned_rep_id AS rep_id
    FROM crm.customers c
    WHERE CAST(:with_plan AS bigint) IS NULL
    UNION ALL
    SELECT b.customer_id, b.territory_id, b.rep_id
    FROM crm.plan_customers(CAST(:with_plan AS bigint)) b
    WHERE CAST(:with_plan AS bigint) IS NOT NULL
), changes AS (
    SELECT a.territory_id, a.rep_id AS rep_after, b.rep_id AS rep_before,
           coalesce(la.line_id, a.territory_id) IS DISTINCT FROM
               coalesce(lb.line_id, b.territory_id) AS territory_changes,
           k.rep_id AS bond_rep
    FROM crm.plan_customers(CAST(:plan_id AS bigint)) a
    JOIN before b USING (customer_id)
    LEFT JOIN line la ON la.territory_id = a.territory_id
    LEFT JOIN line lb ON lb.territory_id = b.territory_id
    LEFT JOIN crm.customer_bonds() k ON k.customer_id = a.customer_id AND k.strong
)
SELECT territory_id, rep_after, rep_before, territory_changes,
       count(*)::integer AS customers,
       count(bond_rep)::integer AS strong_bonds,
       count(*) FILTER (WHERE bond_rep = rep_before
                          AND rep_after IS DISTINCT FROM bond_rep)::integer AS bonds_broken
FROM changes
GROUP BY territory_id, rep_after, rep_before, territory_changes
