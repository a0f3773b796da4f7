-- The candidates' res-11 H3 cells, copied in from Python.
CREATE TEMP TABLE lead_cells (lead_id text PRIMARY KEY, h3_11 bigint NOT NULL) ON COMMIT DROP
