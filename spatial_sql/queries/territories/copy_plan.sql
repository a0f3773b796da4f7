-- A new version of a plan, in one statement (one snapshot of the source): a draft with the
-- same name, version + 1 and based_on the source; its territories (name, rep, lock, stats)
-- each based_on the territory it copies; the same cells in them with their locks.
WITH source AS (
    SELECT plan_id, name, res, measure, k, stats, version
    FROM crm.territory_plans
    WHERE plan_id = :plan_id
), plan AS (
    INSERT INTO crm.territory_plans (name, res, measure, k, stats, version, based_on)
    SELECT name, res, measure, k, stats, version + 1, plan_id FROM source
    RETURNING plan_id
), territories AS (
    INSERT INTO crm.territories (plan_id, name, rep_id, locked, stats, based_on)
    SELECT plan.plan_id, t.name, t.rep_id, t.locked, t.stats, t.territory_id
    FROM plan, crm.territories t
    WHERE t.plan_id = :plan_id
    ORDER BY t.territory_id  -- the copies' ids keep the territories' order
    RETURNING territory_id, based_on
), cells AS (
    INSERT INTO crm.territory_cells (plan_id, h3, territory_id, locked)
    SELECT plan.plan_id, c.h3, t.territory_id, c.locked
    FROM plan, crm.territory_cells c
    JOIN territories t ON t.based_on = c.territory_id
    WHERE c.plan_id = :plan_id
    RETURNING h3
)
SELECT plan.plan_id, (SELECT count(*) FROM cells)::integer AS cells FROM plan
