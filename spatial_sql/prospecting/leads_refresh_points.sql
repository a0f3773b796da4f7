-- The city's current leads as lead_points (as leads_points.sql makes them for a build), so
-- that leads_network.sql recomputes their stores, trade areas and footfall in place.
-- The one-row settings have statistics (else the planner, guessing hundreds of rows, costs
-- every join by the million and compiles each with JIT, slower than running it); the
-- steps are a few set-based statements each: no JIT.
SET LOCAL jit = off;
ANALYZE lead_build;
CREATE TEMP TABLE lead_points ON COMMIT DROP AS
SELECT l.lead_id, l.h3_11, l.geom, ST_Scale(l.geom, s.kx, 1) AS geom_s
FROM crm.leads l
CROSS JOIN lead_build s
WHERE l.dataset_id = s.dataset_id;
CREATE UNIQUE INDEX ON lead_points (lead_id);
CREATE INDEX ON lead_points USING gist (geom);
CREATE INDEX ON lead_points USING gist (geom_s);
ANALYZE lead_points (lead_id, geom, geom_s);
