-- Results of the transaction's view of the cube computed from other data versions than
-- the current ones: stale, whatever their question, so no request reads them again (their
-- cells go with them). Other views' results go when their users ask next (row-level
-- security: one deletes only one's own).
DELETE FROM cube.hotspot_runs
WHERE scope_key = cube.hotspot_scope_key() AND versions <> :versions
