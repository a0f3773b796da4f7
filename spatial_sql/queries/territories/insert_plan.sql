-- Save a new draft territory plan (version 1, or the next version of :based_on), designed
-- within :area (WKB; NULL = the city).
INSERT INTO crm.territory_plans (name, res, measure, k, stats, based_on, version, area, area_label)
VALUES (:name, :res, :measure, :k, CAST(:stats AS jsonb), :based_on, :version,
        ST_Multi(ST_GeomFromWKB(CAST(:area AS bytea), 4326)), :area_label)
RETURNING plan_id
