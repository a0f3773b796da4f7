-- The candidates' points, for their H3 cells (computed in Python: geocrm.hexgrid).
SELECT lead_id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM lead_candidates
