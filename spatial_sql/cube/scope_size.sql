-- How many cells this build or refresh recomputes.
SELECT count(*) FROM cube_scope
