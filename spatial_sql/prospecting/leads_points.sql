-- The candidates with their cells and their points in the scaled plane (lead_points), and
-- the city's buildings, walkways and addresses in that plane, for the nearest lookups.
CREATE TEMP TABLE lead_points ON COMMIT DROP AS
SELECT c.lead_id, k.h3_11, c.geom, ST_Scale(c.geom, s.kx, 1) AS geom_s
FROM lead_candidates c
JOIN lead_cells k ON k.lead_id = c.lead_id
CROSS JOIN lead_build s;
CREATE UNIQUE INDEX ON lead_points (lead_id);
CREATE INDEX ON lead_points USING gist (geom);
CREATE INDEX ON lead_points USING gist (geom_s);
ANALYZE lead_points (lead_id, geom, geom_s);
