-- Whom a tile is drawn for, as far as its content depends on it: every customer row (admin,
-- marketer, GeoCRM's own work) or the reps whose rows the user sees, and the k-rule of the
-- aggregates. Part of a tile's cache key and ETag, so that one user's tile is never served
-- to another who may see less (row-level security decides what a tile holds).
SELECT json_build_array(auth.scope_all(), auth.scope_reps(), auth.min_cell_count())::text
