-- The scope of a refresh: claim the queued cells. The DELETE removes only the rows this
-- transaction's snapshot sees (committed changes, which the recomputation will see too);
-- cells queued by transactions still running stay queued for the next refresh.
CREATE TEMP TABLE cube_scope (h3_11 bigint PRIMARY KEY) ON COMMIT DROP;
WITH claimed AS (DELETE FROM cube.dirty_cells RETURNING h3_11)
INSERT INTO cube_scope (h3_11) SELECT DISTINCT h3_11 FROM claimed;
ANALYZE cube_scope;
