-- Territory plans, newest first (or the one :plan_id), with the area they were designed
-- within (NULL: the city) as GeoJSON.
SELECT plan_id, name, status, active, res, measure, k, created_at, published_at, stats,
       version, based_on, area_label, ST_AsGeoJSON(area, 7)::json AS area
FROM crm.territory_plans
WHERE CAST(:plan_id AS bigint) IS NULL OR plan_id = CAST(:plan_id AS bigint)
ORDER BY plan_id DESC
