-- The territory plans a territories tile can draw.
SELECT plan_id FROM crm.territory_plans ORDER BY plan_id
