-- The scope of a full build: every res-11 cell that has, or had, anything in the cube
-- (enriched customers, facts, context, roll-up rows). The queue is emptied: this build
-- covers every change committed before it (later ones stay queued).
CREATE TEMP TABLE cube_scope (h3_11 bigint PRIMARY KEY) ON COMMIT DROP;
DELETE FROM cube.dirty_cells;
INSERT INTO cube_scope (h3_11)
SELECT h3_11 FROM crm.customer_enrichment
UNION SELECT h3_11 FROM cube.facts
UNION SELECT h3_11 FROM cube.cell_context
UNION SELECT h3 FROM cube.rollup WHERE res = 11;
ANALYZE cube_scope;
